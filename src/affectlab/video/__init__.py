"""Video: an emotion timeline from any clip. Frames are sampled at a chosen rate, faces found
and tracked, the soundtrack split into voiced segments, a transcript made offline (Whisper
tiny.en in CTranslate2, or the clip's subtitles), and each modality's emotion put on one time
axis with a fused estimate; a missing modality is marked absent, never guessed.

    >>> from affectlab.video import analyze_video
    >>> timeline = analyze_video("clip.mp4", fps=2)
"""

from __future__ import annotations

from affectlab.core.lazy import by_module, lazy_attributes

_NAMES = by_module({
    "affectlab.video.decode": ["VideoError", "probe_clip", "sample_frames", "read_soundtrack"],
    "affectlab.video.subtitles": ["Cue", "read_subtitles", "subtitles_beside"],
    "affectlab.video.track": ["assign_tracks"],
    "affectlab.video.timeline": ["MODALITIES", "analyze_video", "analyze_videos"],
})
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES, globals())
__all__ = ["MODALITIES", "Cue", "VideoError", "analyze_video", "analyze_videos",
           "assign_tracks", "probe_clip", "read_soundtrack", "read_subtitles", "sample_frames",
           "subtitles_beside"]
