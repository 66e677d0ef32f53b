"""The REST API: answers are the shared record, bad requests get clear JSON errors, models
load once, and nothing is dropped or answered twice under concurrent clients."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from affectlab.core.records import FIELDS
from affectlab.serve import ServeConfig, create_app
from affectlab.serve.models import Models


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_health_and_docs(client):
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["token_required"] is False
    spec = client.get("/openapi.json").json()
    for path in ("/v1/text", "/v1/audio", "/v1/music", "/v1/face", "/v1/video",
                 "/v1/ontology/{name}", "/healthz"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_text_one_and_batch_in_order(client):
    from affectlab import analyze

    one = client.post("/v1/text", json={"text": "Thank you, this made my day!",
                                        "scheme": "ekman7"}).json()["records"]
    assert len(one) == 1 and list(one[0])[:len(FIELDS)] == list(FIELDS)
    assert one[0]["top"] == "joy" and one[0]["modality"] == "text"
    texts = ["I am furious about this", "", 42, "What a lovely surprise!"]
    got = client.post("/v1/text", json={"texts": texts}).json()["records"]
    assert [r["status"] for r in got] == ["ok", "empty", "not-text", "ok"]
    assert got == analyze(texts)  # the same records as the library, in the same order


def test_text_bad_requests(client):
    _error(client.post("/v1/text", content=b'{"text": "x"', headers={
        "content-type": "application/json"}), 400, "malformed-json")
    _error(client.post("/v1/text", content=b'{"text": "x"}', headers={
        "content-type": "text/plain"}), 415, "unsupported-media-type")
    _error(client.post("/v1/text", data={"text": "x"}), 415, "unsupported-media-type")
    _error(client.post("/v1/text", json={"texts": ["a"] * 51}), 413, "batch-too-large")
    _error(client.post("/v1/text", json={"texts": []}), 422, "empty-batch")
    _error(client.post("/v1/text", json={"text": "a", "texts": ["b"]}), 422, "bad-request")
    _error(client.post("/v1/text", json={"text": ["not", "a", "string"]}), 422,
           "invalid-request")
    err = _error(client.post("/v1/text", json={"text": "x", "scheme": "ekmann"}), 422,
                 "unknown-name")
    assert "ekman" in err["message"]  # the closest names are suggested
    _error(client.get("/v1/text"), 405, "method-not-allowed")


def test_body_limit_declared_and_streamed(client):
    big = {"text": "x" * (3 * 1024 * 1024)}
    _error(client.post("/v1/text", json=big), 413, "body-too-large")

    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(40):
            yield b"a" * 100_000

    r = client.post("/v1/face", content=chunks(),
                    headers={"content-type": "multipart/form-data; boundary=zz"})
    _error(r, 413, "body-too-large")


def test_uploads_are_never_paths(client, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not an image")
    r = client.post("/v1/face", files={"file": (str(secret), b"hello")}).json()["records"][0]
    assert r["source"] == "secret.jpg" and r["status"] == "not-image"
    assert str(tmp_path) not in str(r) and "affectlab-upload" not in str(r)
    r = client.post("/v1/face", files={"file": ("../../../../etc/passwd.png", b"\x89PNG")})
    assert r.json()["records"][0]["source"] == "passwd.png"
    _error(client.post("/v1/face", files={"file": ("../../etc/passwd", b"root:x")}), 415,
           "unsupported-format")
    _error(client.post("/v1/audio", files={"file": ("empty.wav", b"")}), 422, "empty-file")
    _error(client.post("/v1/music"), 422, "invalid-request")
    for path in ("/../../etc/passwd", "/static/../app.py", "/%2e%2e/%2e%2e/etc/passwd",
                 "/v1/ontology/..%2F..%2Fetc%2Fpasswd"):
        assert client.get(path).status_code == 404
    assert "root:" not in client.get("/v1/ontology/..%2F..%2Fetc%2Fpasswd").text


def test_audio_music_face_uploads(client, inputs, media, face_backends):
    a = client.post("/v1/audio", files={"file": ("voice.wav", inputs["wav"].read_bytes())})
    rec = a.json()["records"][0]
    assert rec["modality"] == "speech" and rec["source"] == "voice.wav"
    assert rec["status"] == "ok" and abs(sum(rec["probs"].values()) - 1) < 1e-3
    m = client.post("/v1/music", files={"file": ("joy.mid", inputs["midi"].read_bytes())})
    rec = m.json()["records"][0]
    assert rec["modality"] == "music" and rec["status"] == "ok" and rec["valence"] is not None
    bad = client.post("/v1/music", files={"file": ("bad.mid", b"MThd garbage")}).json()
    assert bad["records"][0]["status"] not in ("ok", None)
    f = client.post("/v1/face", data={"scheme": "ekman7"},
                    files={"file": ("face.jpg", (media / "single_face.jpg").read_bytes())})
    faces = f.json()["records"]
    assert len(faces) == 1 and faces[0]["status"] == "ok" and faces[0]["scheme"] == "ekman7"


def test_video_upload(client, media, face_backends):
    pytest.importorskip("av", reason="the [video] extra is not installed")
    r = client.post("/v1/video", files={"file": ("clip.mp4",
                                                 (media / "single_face.mp4").read_bytes())})
    body = r.json()
    rec = body["records"][0]
    assert rec["modality"] == "video" and rec["status"] == "ok" and rec["source"] == "clip.mp4"
    assert rec["present"]["face"] == 1.0 and abs(sum(rec["probs"].values()) - 1) < 1e-3
    assert len(body["timeline"]) == rec["steps"] == 5
    assert body["timeline"][0]["face_present"] is True
    bad = client.post("/v1/video", files={"file": ("x.mp4", b"not a video")}).json()
    assert bad["records"][0]["status"] == "not-video" and bad["timeline"] == []
    assert "affectlab-upload" not in bad["records"][0]["error"]


def test_ontology(client):
    joy = client.get("/v1/ontology/amusement").json()
    assert joy["path"] == ["amusement", "cheerfulness", "joy"]
    index = client.get("/v1/ontology").json()
    assert "ekman7" in index["schemes"] and index["tiers"]
    err = _error(client.get("/v1/ontology/joyy"), 404, "unknown-emotion")
    assert "joy" in err["message"]


def test_token_and_cors():
    app = create_app(ServeConfig(token="s3cret", cors_origins=["http://example.org"]))
    with TestClient(app) as c:
        assert c.get("/healthz").json()["token_required"] is True  # liveness stays open
        _error(c.post("/v1/text", json={"text": "hi"}), 401, "unauthorised")
        _error(c.post("/v1/text", json={"text": "hi"}, headers={"Authorization": "Bearer no"}),
               401, "unauthorised")
        r = c.post("/v1/text", json={"text": "hi"}, headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200
        pre = c.options("/v1/text", headers={"Origin": "http://example.org",
                                             "Access-Control-Request-Method": "POST"})
        assert pre.headers["access-control-allow-origin"] == "http://example.org"
    with TestClient(create_app(ServeConfig())) as c:  # CORS is off unless configured
        pre = c.options("/v1/text", headers={"Origin": "http://example.org",
                                             "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in pre.headers


class _Slow(Models):
    def text(self, texts, scheme):
        time.sleep(1.0)  # the worker thread finishes after the 504; it loads nothing
        return []


def test_timeout_and_crash_are_json():
    with TestClient(create_app(ServeConfig(timeout_s=0.2), models=_Slow())) as c:
        _error(c.post("/v1/text", json={"text": "hi"}), 504, "timeout")

    class Broken(Models):
        def text(self, texts, scheme):
            raise RuntimeError("boom")

    with TestClient(create_app(models=Broken()), raise_server_exceptions=False) as c:
        err = _error(c.post("/v1/text", json={"text": "hi"}), 500, "internal-error")
        assert "boom" not in err["message"]  # no internals leak to the client


def test_models_load_once_and_concurrent_clients(monkeypatch):
    import affectlab.text.analyze as ta

    calls = []
    real = ta.get_model
    monkeypatch.setattr(ta, "get_model", lambda m=None: calls.append(m) or real(m))
    app = create_app(ServeConfig())
    answers: dict[int, str] = {}
    lock = threading.Lock()
    with TestClient(app) as c:
        def worker(k: int) -> None:
            for j in range(4):
                i = k * 4 + j
                r = c.post("/v1/text", json={"text": f"message {i}: I am so happy today"})
                with lock:
                    assert i not in answers
                    answers[i] = r.json()["records"][0]["source"]

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert c.get("/healthz").json()["loaded"] == ["text"]
    from affectlab.text.classifier import EmotionClassifier

    loads = [m for m in calls if not isinstance(m, EmotionClassifier)]
    assert loads == [None]  # the shipped model was looked up once, for every request
    assert sorted(answers) == list(range(32))
    assert all(answers[i].startswith(f"message {i}:") for i in answers)


@pytest.mark.parametrize("env, field, value", [
    ({"AFFECTLAB_TOKEN": "t"}, "token", "t"),
    ({"AFFECTLAB_SERVE_MAX_BATCH": "7"}, "max_batch", 7),
    ({"AFFECTLAB_SERVE_CORS_ORIGINS": "http://a, http://b"}, "cors_origins", ["http://a",
                                                                             "http://b"]),
    ({"AFFECTLAB_SERVE_TIMEOUT_S": "2.5"}, "timeout_s", 2.5),
])
def test_config_from_env_round_trip(env, field, value):
    cfg = ServeConfig.from_env(env)
    assert getattr(cfg, field) == value
    assert getattr(ServeConfig.from_env(cfg.to_env()), field) == value


def test_config_refuses_nonsense():
    with pytest.raises(ValueError):
        ServeConfig(max_batch=0)
    with pytest.raises(ValueError):
        ServeConfig(workers=0)
