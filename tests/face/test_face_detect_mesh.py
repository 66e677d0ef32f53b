"""Detection, the face mesh, the iris points and head pose on real photos."""

from __future__ import annotations

import numpy as np
import pytest

from affectlab.core.errors import UnknownNameError
from affectlab.face.detect import detect_faces
from affectlab.face.geometry import head_pose, normalise
from affectlab.face.mesh import face_mesh, iris


def _inside(points, box, margin=0.35):
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return ((points[:, 0] > x0 - margin * w) & (points[:, 0] < x1 + margin * w)
            & (points[:, 1] > y0 - margin * h) & (points[:, 1] < y1 + margin * h)).mean()


def test_one_face_in_the_single_face_photo(photo):
    rgb = photo("single_face.jpg").rgb
    for detector in ("auto", "short", "full", "haar"):
        found = detect_faces(rgb, detector)
        assert len(found) == 1, detector
        x0, _y0, x1, _y1 = found[0].box
        assert 150 < x0 < 250 and 300 < x1 < 420 and 0 < found[0].score <= 1


def test_five_faces_in_the_group_photo(photo):
    found = detect_faces(photo("multi_face.jpg").rgb, "auto")
    assert len(found) == 5
    areas = [d.width * d.height for d in found]
    assert areas == sorted(areas, reverse=True)  # largest first
    assert len(detect_faces(photo("multi_face.jpg").rgb, "auto", max_faces=2)) == 2


def test_no_face_in_a_landscape(photo):
    assert detect_faces(photo("free-mountain-vector-01.jpg").rgb, "auto") == []


def test_unknown_detector():
    with pytest.raises(UnknownNameError):
        detect_faces(np.zeros((64, 64, 3), np.uint8), "yolo")


def test_keypoints_put_the_right_eye_on_the_image_left(photo):
    d = detect_faces(photo("single_face.jpg").rgb, "short")[0]
    right_eye, left_eye, nose = d.keypoints[:3]
    assert right_eye[0] < nose[0] < left_eye[0]


def test_mesh_lies_on_the_face_and_iris_between_the_lids(photo):
    rgb = photo("0-f1-su-ph.jpg").rgb
    d = detect_faces(rgb)[0]
    m = face_mesh(rgb, d)
    assert m.points.shape == (468, 3) and m.presence > 0.9
    assert _inside(m.points, d.box) > 0.95
    ir = iris(rgb, m.points)
    assert ir.shape == (10, 3)
    for centre, upper, lower, a, b in ((ir[0], 159, 145, 33, 133), (ir[5], 386, 374, 362, 263)):
        xs = sorted([m.points[a, 0], m.points[b, 0]])
        assert xs[0] < centre[0] < xs[1]
        assert m.points[upper, 1] - 5 < centre[1] < m.points[lower, 1] + 5


def test_whole_image_mode_on_a_small_crop(photo):
    import cv2

    rgb = photo("0-f15-hao-ph.jpg").rgb
    d = detect_faces(rgb)[0]
    x0, y0, x1, y1 = (int(v) for v in d.box)
    crop = cv2.resize(rgb[y0:y1, x0:x1], (48, 48), interpolation=cv2.INTER_AREA)
    m = face_mesh(crop, detect_faces(crop, "whole")[0])
    assert m.presence > 0.5 and _inside(m.points, (0, 0, 48, 48), 0.1) > 0.9


def test_head_pose_turned_mirrored_and_rolled(photo):
    import cv2

    turned = photo("45-m7-di-ph.jpg").rgb  # the face turns towards the image's left
    pts = face_mesh(turned, detect_faces(turned)[0]).points
    yaw = head_pose(pts)["yaw"]
    assert yaw < -25
    mirror = np.ascontiguousarray(turned[:, ::-1])
    pts_m = face_mesh(mirror, detect_faces(mirror)[0]).points
    assert head_pose(pts_m)["yaw"] == pytest.approx(-yaw, abs=8)
    front = photo("single_face.jpg").rgb
    h, w = front.shape[:2]
    rot = cv2.warpAffine(front, cv2.getRotationMatrix2D((w / 2, h / 2), -20, 1.0), (w, h))
    base = head_pose(face_mesh(front, detect_faces(front)[0]).points)["roll"]
    rolled = head_pose(face_mesh(rot, detect_faces(rot)[0]).points)["roll"]
    assert rolled - base == pytest.approx(20, abs=5)  # clockwise in the image


def test_normalised_frame(photo):
    rgb = photo("single_face.jpg").rgb
    p = normalise(face_mesh(rgb, detect_faces(rgb)[0]).points)
    r, l_ = p[[33, 133, 159, 145]].mean(0), p[[263, 362, 386, 374]].mean(0)
    assert np.linalg.norm(l_ - r) == pytest.approx(1.0, abs=1e-6)
    assert abs(r[1]) < 1e-6 and abs(l_[1]) < 1e-6 and r[0] < 0 < l_[0]
    assert p[152, 1] < 0 < p[10, 1]  # chin below, forehead above
