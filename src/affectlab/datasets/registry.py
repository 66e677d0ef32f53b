"""What affectlab knows about each corpus: labels, scheme, source, licence, expected sizes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from affectlab.datasets.errors import UnknownDatasetError

GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip
CARER_LABELS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")
TWEETEVAL_LABELS: tuple[str, ...] = ("anger", "joy", "optimism", "sadness")
ISEAR_LABELS: tuple[str, ...] = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")
MELD_LABELS: tuple[str, ...] = ("neutral", "joy", "surprise", "anger", "sadness", "disgust", "fear")
EMODB_LABELS: tuple[str, ...] = (
    "anger", "boredom", "disgust", "fear", "happiness", "sadness", "neutral",
)  # fmt: skip
CROWDFLOWER_LABELS: tuple[str, ...] = (
    "anger", "boredom", "empty", "enthusiasm", "fun", "happiness", "hate", "love",
    "neutral", "relief", "sadness", "surprise", "worry",
)  # fmt: skip
EMOINT_EMOTIONS: tuple[str, ...] = ("anger", "fear", "joy", "sadness")


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about one corpus; `expected_splits` are the published row counts per split."""

    name: str
    title: str
    task: str
    modality: str
    folder: str
    scheme: str | None
    label_names: tuple[str, ...]
    expected_splits: dict[str, int]
    official_split: bool
    licence: str
    citation: str
    source_url: str
    hf_dataset: str | None = None
    hf_config: str | None = None
    dimensions: dict[str, tuple[float, float]] = field(default_factory=dict)
    category_column: str | None = None
    aliases: tuple[str, ...] = ()
    required_files: tuple[str, ...] = ()
    notes: str = ""

    @property
    def expected_rows(self) -> int:
        """Total published row count over all splits."""
        return sum(self.expected_splits.values())

    @property
    def public_source(self) -> str:
        """Where users with network access can get the corpus (Hugging Face id and/or URL)."""
        if self.hf_dataset:
            config = f" (config '{self.hf_config}')" if self.hf_config else ""
            return f"Hugging Face dataset '{self.hf_dataset}'{config}; {self.source_url}"
        return self.source_url

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict of every field (tuples become lists)."""
        out = asdict(self)
        out["label_names"] = list(self.label_names)
        out["aliases"] = list(self.aliases)
        out["required_files"] = list(self.required_files)
        out["dimensions"] = {k: list(v) for k, v in self.dimensions.items()}
        out["expected_rows"] = self.expected_rows
        out["public_source"] = self.public_source
        return out


_INFOS: tuple[DatasetInfo, ...] = (
    DatasetInfo(
        name="goemotions",
        title="GoEmotions (Reddit comments, 27 emotions + neutral)",
        task="multi-label classification",
        modality="text",
        folder="goemotions",
        scheme="goemotions",
        label_names=GOEMOTIONS_LABELS,
        expected_splits={"train": 43410, "dev": 5426, "test": 5427},
        official_split=True,
        licence="CC BY 4.0",
        citation="Demszky et al. 2020, GoEmotions: A Dataset of Fine-Grained Emotions (ACL)",
        source_url="https://github.com/google-research/google-research/tree/master/goemotions",
        hf_dataset="google-research-datasets/go_emotions",
        hf_config="simplified",
        required_files=("train.tsv", "dev.tsv", "test.tsv"),
        notes="variant='ekman' or 'group' loads the authors' coarser label files.",
    ),
    DatasetInfo(
        name="carer",
        title="CARER / dair-ai emotion (English tweets, 6 emotions)",
        task="single-label classification",
        modality="text",
        folder="dair_emotion",
        scheme="carer6",
        label_names=CARER_LABELS,
        expected_splits={"train": 16000, "dev": 2000, "test": 2000},
        official_split=True,
        licence="free for educational and research purposes (dair-ai/emotion_dataset)",
        citation="Saravia et al. 2018, CARER: Contextualized Affect Representations (EMNLP)",
        source_url="https://github.com/dair-ai/emotion_dataset",
        hf_dataset="dair-ai/emotion",
        aliases=("dair_emotion", "dair_ai_emotion"),
        required_files=("train.txt", "val.txt", "test.txt"),
    ),
    DatasetInfo(
        name="tweeteval",
        title="TweetEval emotion (SemEval-2018 Task 1 tweets, 4 emotions)",
        task="single-label classification",
        modality="text",
        folder="tweeteval_emotion",
        scheme="tweeteval4",
        label_names=TWEETEVAL_LABELS,
        expected_splits={"train": 3257, "dev": 374, "test": 1421},
        official_split=True,
        licence="research use (SemEval-2018 Task 1 / NRC terms and Twitter terms apply)",
        citation="Barbieri et al. 2020, TweetEval (Findings of EMNLP); Mohammad et al. 2018",
        source_url="https://github.com/cardiffnlp/tweeteval",
        hf_dataset="cardiffnlp/tweet_eval",
        hf_config="emotion",
        aliases=("tweeteval_emotion", "tweet_eval"),
        required_files=("train_text.txt", "train_labels.txt", "mapping.txt"),
    ),
    DatasetInfo(
        name="emobank",
        title="EmoBank (English sentences, valence/arousal/dominance)",
        task="regression",
        modality="text",
        folder="emobank",
        scheme=None,
        label_names=(),
        expected_splits={"train": 8062, "dev": 1000, "test": 1000},
        official_split=True,
        licence="CC BY-SA 4.0",
        citation="Buechel & Hahn 2017, EmoBank (EACL)",
        source_url="https://github.com/JULIELab/EmoBank",
        dimensions={"valence": (1.0, 5.0), "arousal": (1.0, 5.0), "dominance": (1.0, 5.0)},
        category_column="genre",
        required_files=("emobank.csv",),
    ),
    DatasetInfo(
        name="isear",
        title="ISEAR (self-reported emotional situations, 7 emotions)",
        task="single-label classification",
        modality="text",
        folder="isear",
        scheme="isear7",
        label_names=ISEAR_LABELS,
        expected_splits={"all": 7666},
        official_split=False,
        licence="free for research (Swiss Center for Affective Sciences)",
        citation="Scherer & Wallbott 1994, Evidence for universality and cultural variation",
        source_url=(
            "https://www.unige.ch/cisa/research/materials-and-online-research/research-material/"
        ),
        required_files=("isear.csv",),
        notes="No official split: use stratified_kfold or stratified_split. "
        "About 100 answers are non-responses ('[ No response.]', 'NO RESPONSE.', "
        "'[ Never experienced.]'); they are kept, as published.",
    ),
    DatasetInfo(
        name="meld",
        title="MELD (Friends dialogue utterances, 7 emotions + sentiment)",
        task="single-label classification",
        modality="text",
        folder="meld",
        scheme="meld7",
        label_names=MELD_LABELS,
        expected_splits={"train": 9989, "dev": 1109, "test": 2610},
        official_split=True,
        licence="GPL-3.0 (repository LICENSE)",
        citation="Poria et al. 2019, MELD: A Multimodal Multi-Party Dataset (ACL)",
        source_url="https://github.com/declare-lab/MELD",
        category_column="sentiment",
        required_files=("train_sent_emo.csv", "dev_sent_emo.csv", "test_sent_emo.csv"),
        notes="Text only here (videos not included); subject is the speaker name.",
    ),
    DatasetInfo(
        name="emoint",
        title="EmoInt / WASSA-2017 (tweet emotion intensity for 4 emotions)",
        task="regression",
        modality="text",
        folder="emoint_wassa2017",
        scheme=None,
        label_names=(),
        expected_splits={"train": 3613, "dev": 347, "test": 3142},
        official_split=True,
        licence="research use (WASSA-2017 EmoInt, NRC terms)",
        citation="Mohammad & Bravo-Marquez 2017, WASSA-2017 Shared Task on Emotion Intensity",
        source_url="https://github.com/felipebravom/EmoInt",
        dimensions={"intensity": (0.0, 1.0)},
        category_column="emotion",
        aliases=("emoint_wassa2017", "wassa2017"),
        required_files=("train", "dev", "test"),
        notes="One row per tweet per emotion file; the `emotion` column says which intensity "
        "(anger/fear/joy/sadness) was rated. Sizes per emotion: anger 857/84/760, "
        "fear 1147/110/995, joy 823/79/714, sadness 786/74/673. Some tweets hold a literal "
        "'\\n' (backslash-n) for a line break, as published.",
    ),
    DatasetInfo(
        name="fb_va",
        title="Facebook posts valence/arousal (two annotators)",
        task="regression",
        modality="text",
        folder="fb_va",
        scheme=None,
        label_names=(),
        expected_splits={"all": 2894},
        official_split=False,
        licence="research use assumed (no licence text in the mirror; verify with the authors)",
        citation="Preotiuc-Pietro et al. 2016, Modelling Valence and Arousal in Facebook posts "
        "(WASSA)",
        source_url="https://github.com/matanbt/emotion-recognition-nlp-project",
        dimensions={"valence": (1.0, 9.0), "arousal": (1.0, 9.0)},
        aliases=("facebook_va", "fbva"),
        required_files=("dataset-fb-valence-arousal-anon.csv",),
    ),
    DatasetInfo(
        name="crowdflower",
        title="CrowdFlower Emotion in Text (tweets, 13 noisy labels)",
        task="single-label classification",
        modality="text",
        folder="crowdflower_text_emotion",
        scheme="crowdflower13",
        label_names=CROWDFLOWER_LABELS,
        expected_splits={"all": 40000},
        official_split=False,
        licence="CrowdFlower 'Data for Everyone' terms (unverified)",
        citation="CrowdFlower 2016, Sentiment Analysis: Emotion in Text (Data for Everyone)",
        source_url="https://data.world/crowdflower/sentiment-analysis-in-text",
        aliases=("crowdflower_text_emotion", "text_emotion"),
        required_files=("text_emotion.csv",),
        notes="Noisy labels: a robustness set, not a benchmark.",
    ),
    DatasetInfo(
        name="emodb",
        title="Berlin EmoDB (acted German speech, 7 classes, 10 speakers)",
        task="single-label classification",
        modality="audio",
        folder="emodb",
        scheme="emodb7",
        label_names=EMODB_LABELS,
        expected_splits={"all": 535},
        official_split=False,
        licence="free for research (TU Berlin)",
        citation="Burkhardt et al. 2005, A Database of German Emotional Speech (Interspeech)",
        source_url="http://emodb.bilderbar.info/",
        aliases=("berlin_emodb", "emo_db"),
        required_files=("wav",),
        notes="No official split: evaluate leave-one-speaker-out (leave_one_subject_out).",
    ),
    DatasetInfo(
        name="emomusic",
        title="Emotion in Music / 1000 songs (static and 2 Hz dynamic valence/arousal)",
        task="regression",
        modality="audio",
        folder="emomusic_1000songs",
        scheme=None,
        label_names=(),
        expected_splits={"all": 744},
        official_split=False,
        licence="annotations for research; audio CC (Free Music Archive, per-track licences)",
        citation="Soleymani et al. 2013, 1000 Songs for Emotional Analysis of Music (CrowdMM)",
        source_url="https://cvml.unige.ch/databases/emoMusic/",
        dimensions={"valence": (1.0, 9.0), "arousal": (1.0, 9.0)},
        category_column="genre",
        aliases=("emomusic_1000songs", "1000songs", "emotion_in_music"),
        required_files=("static_annotations.csv",),
        notes="Only 10 mp3 clips ship here (path is None for the others); "
        "load_emomusic_dynamic() gives the per-moment V/A in [-1, 1] at 2 Hz.",
    ),
    DatasetInfo(
        name="vgmidi",
        title="VGMIDI (piano MIDI from game soundtracks, valence/arousal signs)",
        task="classification (valence/arousal sign)",
        modality="midi",
        folder="vgmidi",
        scheme=None,
        label_names=(),
        expected_splits={"all": 204},
        official_split=False,
        licence="no licence file: research use only, ask the authors",
        citation="Ferreira & Whitehead 2019, Learning to Generate Music with Sentiment (ISMIR)",
        source_url="https://github.com/lucasnfe/vgmidi",
        dimensions={"valence": (-1.0, 1.0), "arousal": (-1.0, 1.0)},
        required_files=("vgmidi_labelled.csv",),
        notes="204 labelled phrases from 200 pieces; the phrases ship in labelled/phrases.zip and "
        "are extracted once to the affectlab cache. The README of this copy defines no split: "
        "use subject_split(..., group_column='piece') so phrases of one piece stay together.",
    ),
    DatasetInfo(
        name="fer2013",
        title="FER2013 (48x48 grayscale face crops, 7 expressions)",
        task="single-label classification",
        modality="image",
        folder="fer2013",
        scheme="fer7",
        label_names=("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"),
        expected_splits={"train": 25060, "dev": 4937, "test": 5890},
        official_split=True,  # the split the copy ships with (see notes)
        licence="research use (Goodfellow et al. 2013, ICML challenge); no licence file",
        citation="Goodfellow et al. 2013, Challenges in Representation Learning (ICONIP)",
        source_url="https://www.kaggle.com/c/challenges-in-representation-learning-facial-"
                   "expression-recognition-challenge",
        aliases=("fer", "fer-2013"),
        required_files=("labels.csv",),
        notes="The copy's own random 70/15/15 split, not Training/PublicTest/PrivateTest.",
    ),
    DatasetInfo(
        name="ckplus",
        title="CK+ peak frames (48x48 crops, 7 classes incl. contempt, 118 subjects)",
        task="single-label classification",
        modality="image",
        folder="ckplus48",
        scheme="ckplus7",
        label_names=("anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise"),
        expected_splits={"all": 981},
        official_split=False,
        licence="Extended Cohn-Kanade agreement (research only, no redistribution)",
        citation="Lucey et al. 2010, The Extended Cohn-Kanade Dataset (CK+) (CVPR workshops)",
        source_url="https://www.jeffcohn.net/resources/",
        aliases=("ckplus48", "ck+", "ck_plus"),
        required_files=("anger",),
        notes="Three frames per sequence: evaluate subject-wise, a sequence in one fold.",
    ),
    DatasetInfo(
        name="facial_expressions",
        title="facial_expressions (LFW photos, 8 noisy expression labels, a subset)",
        task="single-label classification",
        modality="image",
        folder="facial_expressions",
        scheme="facial_expressions8",
        label_names=("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness",
                     "surprise"),
        expected_splits={"all": 5126},
        official_split=False,
        licence="Apache-2.0 (labels); photos from Labeled Faces in the Wild",
        citation="muxspace/facial_expressions (GitHub); Huang et al. 2007, LFW",
        source_url="https://github.com/muxspace/facial_expressions",
        aliases=("muxspace_faces",),
        required_files=("labels.csv",),
        notes="Extremely imbalanced (fear 21, contempt 9): a cross-dataset test, person-grouped.",
    ),
    DatasetInfo(
        name="crema_d",
        title="CREMA-D perception: emotion perceived from the voice, the face, and both",
        task="perception votes per clip under three conditions",
        modality="audio-visual (votes only, no media)",
        folder="crema_d_labels",
        scheme=None,
        label_names=("anger", "disgust", "fear", "happiness", "neutral", "sadness"),
        expected_splits={"all": 7442},
        official_split=False,
        licence="Open Database License 1.0 and Database Contents License",
        citation="Cao et al. 2014, CREMA-D: Crowd-sourced Emotional Multimodal Actors Dataset "
                 "(IEEE TAC)",
        source_url="https://github.com/CheyneyComputerScience/CREMA-D",
        aliases=("crema_d_labels", "cremad"),
        required_files=("tabulatedVotes.csv", "VideoDemographics.csv"),
        notes="91 actors: evaluate actor-wise (subject). Votes per clip from voice-only, "
              "face-only and audio-visual raters; the media are not in this copy.",
    ),
    DatasetInfo(
        name="liris_accede",
        title="LIRIS-ACCEDE (discrete): induced valence/arousal of film excerpts",
        task="regression (valence, arousal), audio and visual features",
        modality="film features (audio + visual, no media)",
        folder="liris_accede",
        scheme=None,
        label_names=(),
        expected_splits={"train": 2450, "dev": 2450, "test": 4900},
        official_split=True,
        licence="LIRIS-ACCEDE terms: research, non-commercial",
        citation="Baveye et al. 2015, LIRIS-ACCEDE: A Video Database for Affective Content "
                 "Analysis (IEEE TAC)",
        source_url="https://liris-accede.ec-lyon.fr/",
        dimensions={"valence": (1.0, 5.0), "arousal": (1.0, 5.0)},  # observed: 1.3-3.6, 1.3-4.4
        aliases=("liris", "accede"),
        required_files=("ACCEDEsets.txt", "ACCEDEranking.txt"),
        notes="Official movie-disjoint sets: learning (train), validation (dev), test. Scores "
              "come from the crowd's pairwise rankings, regressed onto a rating scale.",
    ),
)

REGISTRY: dict[str, DatasetInfo] = {i.name: i for i in _INFOS}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")


_ALIASES: dict[str, str] = {}
for _info in _INFOS:
    for _key in (_info.name, _info.folder, *_info.aliases):
        _ALIASES[_normalise(_key)] = _info.name


def list_datasets() -> list[str]:
    """Canonical names of every registered corpus, in registry order."""
    return list(REGISTRY)


def resolve_name(name: str) -> str:
    """Canonical name for `name` or an alias/folder name; unknown names raise with suggestions."""
    key = _normalise(str(name))
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownDatasetError("dataset", str(name), list_datasets(), aliases=_ALIASES,
                              listing="names")


def info(name: str) -> DatasetInfo:
    """Registry entry for a corpus name or alias."""
    return REGISTRY[resolve_name(name)]
