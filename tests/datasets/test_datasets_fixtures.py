"""Every loader on a tiny corpus the test writes itself (the `path=` override); no shared data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from affectlab import datasets
from affectlab.datasets import COMMON_COLUMNS, DatasetFormatError, DatasetNotFoundError
from affectlab.datasets.registry import GOEMOTIONS_LABELS


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def _check_common(df: pd.DataFrame) -> None:
    assert tuple(df.columns[: len(COMMON_COLUMNS)]) == COMMON_COLUMNS
    assert df["id"].is_unique
    assert all(isinstance(v, list) for v in df["labels"])


def test_goemotions_multilabel_and_variants(tmp_path: Path) -> None:
    _write(tmp_path / "emotions.txt", "\n".join(GOEMOTIONS_LABELS))
    _write(tmp_path / "train.tsv", 'He said "wow"\t0,17\tc1\nOk then\t27\tc2\n')
    _write(tmp_path / "dev.tsv", "Scary\t14\tc3\n")
    _write(tmp_path / "test.tsv", "Sad\t25\tc4\n")
    _write(
        tmp_path / "ekman" / "labels.txt", "anger\ndisgust\nfear\njoy\nneutral\nsadness\nsurprise"
    )
    for part in ("train", "dev", "test"):
        _write(tmp_path / "ekman" / f"{part}.tsv", f"text {part}\t3,4\t{part}1\n")
    df = datasets.load("goemotions", path=tmp_path)
    _check_common(df)
    assert df["labels"].tolist() == [["admiration", "joy"], ["neutral"], ["fear"], ["sadness"]]
    assert df["text"][0] == 'He said "wow"'  # quotes are text, not CSV quoting
    assert df["split"].tolist() == ["train", "train", "dev", "test"]
    assert datasets.load("goemotions", path=tmp_path, split="validation")["id"].tolist() == ["c3"]
    ekman = datasets.load("goemotions", path=tmp_path, variant="ekman")
    assert ekman["labels"][0] == ["joy", "neutral"]


def test_goemotions_bad_label_id_names_the_file(tmp_path: Path) -> None:
    for part in ("train", "dev", "test"):
        _write(tmp_path / f"{part}.tsv", "x\t99\tid\n")
    with pytest.raises(DatasetFormatError, match="train.tsv"):
        datasets.load("goemotions", path=tmp_path)


def test_carer_text_may_contain_semicolons(tmp_path: Path) -> None:
    _write(tmp_path / "train.txt", "text;label_name\ni feel; fine;joy\ni am sad;sadness\n")
    _write(tmp_path / "val.txt", "text;label_name\nso angry;anger\n")
    _write(tmp_path / "test.txt", "i love it;2\n")  # numeric ids as in the Hugging Face copy
    df = datasets.load("dair_emotion", path=tmp_path)
    _check_common(df)
    assert df["text"][0] == "i feel; fine"
    assert df["labels"].tolist() == [["joy"], ["sadness"], ["anger"], ["love"]]
    assert df["split"].tolist() == ["train", "train", "dev", "test"]


def test_carer_unknown_label_is_a_format_error(tmp_path: Path) -> None:
    for name in ("train.txt", "val.txt", "test.txt"):
        _write(tmp_path / name, "text;label_name\nhello;boredom\n")
    with pytest.raises(DatasetFormatError, match="train.txt"):
        datasets.load("carer", path=tmp_path)


def test_tweeteval_reads_mapping_and_strips_trailing_space(tmp_path: Path) -> None:
    _write(tmp_path / "mapping.txt", "0\tanger\n1\tjoy\n2\toptimism\n3\tsadness")
    for prefix, label in (("train", "2"), ("val", "0"), ("test", "3")):
        _write(tmp_path / f"{prefix}_text.txt", f"tweet {prefix} \n")
        _write(tmp_path / f"{prefix}_labels.txt", f"{label}\n")
    df = datasets.load("tweeteval", path=tmp_path)
    _check_common(df)
    assert df["labels"].tolist() == [["optimism"], ["anger"], ["sadness"]]
    assert df["text"][0] == "tweet train"


def test_tweeteval_line_count_mismatch(tmp_path: Path) -> None:
    _write(tmp_path / "mapping.txt", "0\tanger\n")
    _write(tmp_path / "train_text.txt", "a\nb\n")
    _write(tmp_path / "train_labels.txt", "0\n")
    with pytest.raises(DatasetFormatError, match="train_labels.txt"):
        datasets.load("tweeteval", path=tmp_path, split="train")


def test_emobank_dimensions_split_and_genre(tmp_path: Path) -> None:
    _write(
        tmp_path / "emobank.csv",
        'id,split,V,A,D,text\na_1,train,3.0,3.2,2.8,"Hello, world"\nb_2,test,4.0,2.0,3.0,Bye\n',
    )
    _write(tmp_path / "meta.tsv", "id\tdocument\tcategory\tsubcategory\na_1\tdocA\tletters\t \n")
    df = datasets.load("emobank", path=tmp_path)
    _check_common(df)
    assert df["valence"].dtype == float and df["dominance"].tolist() == [2.8, 3.0]
    assert df["labels"].tolist() == [[], []]
    assert df["genre"][0] == "letters" and pd.isna(df["genre"][1])
    assert datasets.load("emobank", path=tmp_path, split="test")["id"].tolist() == ["b_2"]


def test_isear_parser_handles_pipes_inside_the_text(tmp_path: Path) -> None:
    _write(
        tmp_path / "isear.csv",
        "ID|CITY|COUN|SUBJ|SEX|AGE|Field1|MYKEY|SIT|STATE|\n"
        "11001|1|1|1|1|33|joy|0110011|Falling in love and á especially á|meeting.|1|\n"
        '11002|1|1|2|2|24|guilt|0110027|I said \\sorry\\" too late á|again."|1"|\n',
    )
    df = datasets.load("isear", path=tmp_path)
    _check_common(df)
    assert df["text"].tolist() == [
        "Falling in love and especially meeting.",
        'I said "sorry" too late again.',
    ]
    assert df["labels"].tolist() == [["joy"], ["guilt"]]
    assert df["subject"].tolist() == ["11001", "11002"]
    assert df["split"].isna().all()
    with pytest.raises(ValueError, match="no official split"):
        datasets.load("isear", path=tmp_path, split="train")


def test_meld_repairs_encoding_and_builds_ids(tmp_path: Path) -> None:
    header = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode\n"
    # a raw cp1252 byte (not valid UTF-8) on one line, UTF-8 mojibake on another
    (tmp_path / "train_sent_emo.csv").write_bytes(
        header.encode()
        + b"1,You must\x92ve had,Chandler,neutral,neutral,0,0,8,21\n"
        + "1,Itâ€™s fine…,Monica,Joy,positive,0,1,8,21\n".encode()
    )
    _write(tmp_path / "dev_sent_emo.csv", header + '1,"Oh, no!",Ross,fear,negative,3,0,1,1\n')
    _write(tmp_path / "test_sent_emo.csv", header + "1,Hi.,Joey,surprise,positive,0,0,2,2\n")
    df = datasets.load("meld", path=tmp_path)
    _check_common(df)
    assert df["text"].tolist() == ["You must’ve had", "It’s fine…", "Oh, no!", "Hi."]
    assert df["id"].tolist() == ["train_dia0_utt0", "train_dia0_utt1", "dev_dia3_utt0",
                                 "test_dia0_utt0"]  # fmt: skip
    assert df["labels"][1] == ["joy"] and df["subject"][0] == "Chandler"
    assert df["sentiment"].tolist() == ["neutral", "positive", "negative", "positive"]
    assert df["dialogue"].dtype == "int64"


def _emoint_fixture(root: Path) -> None:
    names = {"train": "{e}-ratings-0to1.train.tsv", "dev": "{e}-gold.txt", "test": "{e}-gold.txt"}
    counter = 0
    for part, pattern in names.items():
        for emotion in ("anger", "fear", "joy", "sadness"):
            counter += 1
            _write(
                root / part / pattern.format(e=emotion),
                f"{counter}\tTweet {counter}\t{emotion}\t0.5\n",
            )


def test_emoint_one_row_per_tweet_and_emotion(tmp_path: Path) -> None:
    _emoint_fixture(tmp_path)
    df = datasets.load("emoint", path=tmp_path)
    _check_common(df)
    assert len(df) == 12
    assert df.groupby("split")["emotion"].nunique().to_dict() == {"dev": 4, "test": 4, "train": 4}
    assert df["intensity"].between(0, 1).all() and df["labels"].map(len).eq(0).all()
    assert len(datasets.load("emoint", path=tmp_path, split="test")) == 4


def test_emoint_missing_emotion_file_is_named(tmp_path: Path) -> None:
    _emoint_fixture(tmp_path)
    (tmp_path / "dev" / "joy-gold.txt").unlink()
    with pytest.raises(DatasetNotFoundError, match="joy"):
        datasets.load("emoint", path=tmp_path)


def test_fb_va_means_and_mojibake(tmp_path: Path) -> None:
    _write(
        tmp_path / "dataset-fb-valence-arousal-anon.csv",
        "Anonymized Message,Valence1,Valence2,Arousal1,Arousal2\n"
        "IÃ¢â‚¬â„¢m happy,7,8,5,6\nplain,5,5,1,2\n",
    )
    df = datasets.load("fb_va", path=tmp_path)
    _check_common(df)
    assert df["text"][0] == "I’m happy"
    assert df["valence"].tolist() == [7.5, 5.0] and df["arousal_2"].tolist() == [6.0, 2.0]


def test_crowdflower_author_is_subject(tmp_path: Path) -> None:
    _write(
        tmp_path / "text_emotion.csv",
        'tweet_id,sentiment,author,content\n1,worry,ann,oh no\n2,fun,,"yay, fun"\n',
    )
    df = datasets.load("crowdflower", path=tmp_path)
    _check_common(df)
    assert df["labels"].tolist() == [["worry"], ["fun"]]
    assert df["subject"].tolist() == ["ann", None]


def test_emodb_file_names_give_emotion_and_speaker(tmp_path: Path) -> None:
    for stem in ("03a01Fa", "16b10Wb", "09a05Lc"):
        _write(tmp_path / "wav" / f"{stem}.wav", "")
    (tmp_path / "erkennung.txt").write_bytes(
        b"Nr.\tSatz\terkannt\tnatuerlich\n1\xa0\xa0\t03a01Fa.wav\t90,00\xa0\xa0\t75,00\xa0\n"
    )
    df = datasets.load("emodb", path=tmp_path)
    _check_common(df)
    by_id = df.set_index("id")
    assert by_id.loc["03a01Fa", "labels"] == ["happiness"]
    assert by_id.loc["16b10Wb", "labels"] == ["anger"]
    assert by_id.loc["09a05Lc", "labels"] == ["boredom"]
    assert by_id["subject"].tolist() == ["03", "09", "16"]
    assert by_id.loc["03a01Fa", "text"] == "Der Lappen liegt auf dem Eisschrank."
    assert by_id.loc["03a01Fa", "recognition_pct"] == 90.0
    assert pd.isna(by_id.loc["16b10Wb", "recognition_pct"])
    assert by_id.loc["09a05Lc", "gender"] == "female"
    assert Path(by_id.loc["16b10Wb", "path"]).is_file()


def test_parse_emodb_filename() -> None:
    assert datasets.parse_emodb_filename("14a07Tb") == {
        "speaker": "14", "sentence": "a07", "emotion": "sadness", "version": "b",
    }  # fmt: skip
    with pytest.raises(DatasetFormatError):
        datasets.parse_emodb_filename("14a07Xb")


def _emomusic_fixture(root: Path) -> None:
    _write(root / "static_annotations.csv",
           "song_id,mean_arousal,std_arousal,mean_valence,std_valence\n2,3.1,0.99,3,0.66\n"
           "5,6.5,1.2,7.25,1.5\n")  # fmt: skip
    _write(root / "songs_info.csv",
           '"song_id","file_name","Artist","Song title","start of the segment (min.sec)",'
           '"end of the segment (min.sec)","Genre","Mediaeval 2013 set"\n'
           '2,"\t2.mp3","Band\t","\tSong\t","\t0.2\t","\t1.05\t","\tBlues\t","development"\n')  # fmt: skip
    _write(root / "mp3_sample" / "2.mp3", "")
    for dim, values in (("valence", ("0.1", "0.2")), ("arousal", ("-0.1", "-0.2"))):
        _write(root / f"{dim}_cont_average.csv",
               f"song_id,sample_15000ms,sample_15500ms\n2,{values[0]},{values[1]}\n5,0,\n")  # fmt: skip


def test_emomusic_static_and_dynamic(tmp_path: Path) -> None:
    _emomusic_fixture(tmp_path)
    df = datasets.load("emomusic", path=tmp_path)
    _check_common(df)
    assert df["id"].tolist() == ["2", "5"]
    assert df["valence"].tolist() == [3.0, 7.25] and df["arousal_std"].tolist() == [0.99, 1.2]
    assert df["path"][0].endswith("2.mp3") and df["path"][1] is None
    assert df["genre"][0] == "Blues" and df["segment_start_s"][0] == 20.0
    assert df["segment_end_s"][0] == 65.0
    dyn = datasets.load_emomusic_dynamic(path=tmp_path)
    assert list(dyn.columns) == ["song_id", "time_s", "valence", "arousal"]
    assert dyn["time_s"].tolist() == [15.0, 15.5, 15.0]
    assert dyn["arousal"].tolist() == [-0.1, -0.2, 0.0]


def test_vgmidi_phrases_are_extracted_to_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "vgmidi"
    monkeypatch.setenv("AFFECTLAB_CACHE", str(tmp_path / "cache"))
    _write(root / "vgmidi_labelled.csv",
           "id,series,console,game,piece,midi,valence,arousal\n"
           "8001,S,NES,G,Song A,labelled/phrases/S_NES_G_Song A_0.mid,1,-1\n"
           "8001,S,NES,G,Song A,labelled/phrases/S_NES_G_Song A_1.mid,-1,-1\n")  # fmt: skip
    (root / "labelled" / "midi").mkdir(parents=True)
    (root / "labelled" / "midi" / "S_NES_G_Song A.mid").write_bytes(b"MThd-piece")
    with zipfile.ZipFile(root / "labelled" / "phrases.zip", "w") as zf:
        zf.writestr("phrases/S_NES_G_Song A_0.mid", b"MThd-0")
        zf.writestr("phrases/S_NES_G_Song A_1.mid", b"MThd-1")
    df = datasets.load("vgmidi", path=root)
    _check_common(df)
    assert df["id"].tolist() == ["8001_0", "8001_1"]
    assert df["piece"].tolist() == ["8001", "8001"]
    assert df["valence"].tolist() == [1, -1] and df["arousal"].tolist() == [-1, -1]
    assert [Path(p).read_bytes() for p in df["path"]] == [b"MThd-0", b"MThd-1"]
    assert str(tmp_path / "cache") in df["path"][0]
    assert Path(df["piece_path"][0]).read_bytes() == b"MThd-piece"
    no_extract = datasets.load_vgmidi(path=root, extract=False)
    assert no_extract["path"].isna().all()  # nothing unzipped next to the csv, no extraction


def test_unknown_split_name_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown split"):
        datasets.load("goemotions", path=tmp_path, split="holdout")
