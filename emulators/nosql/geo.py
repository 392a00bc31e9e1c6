"""The geo functions over GeoJSON values (RFC 7946: ``[longitude, latitude]`` positions, WGS 84).

Precision, honestly: distances between two points use Vincenty's formulae on the WGS 84 ellipsoid
(millimetre-level, like Oracle's geodetic distances); distances involving lines or polygons take the
nearest point of each edge found in a flat projection around the point, good to well under 1% for
distances up to a few hundred kilometres. Lines and polygon edges are straight lines in
longitude/latitude, as GeoJSON and Oracle define them. Geometries crossing the antimeridian or enclosing
a pole are not handled.
"""

from __future__ import annotations

import math
from itertools import pairwise

from .values import is_number

_TYPES = (
    "Point",
    "LineString",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)
_A = 6378137.0  # WGS 84 semi-major axis, metres
_F = 1 / 298.257223563
_B = _A * (1 - _F)
_MEAN_RADIUS = 6371008.8


class NotGeometry(Exception):
    pass


# --- validation ----------------------------------------


def _position(value) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) < 2 or not all(is_number(v) for v in value[:2]):
        raise NotGeometry("a position is [longitude, latitude]")
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise NotGeometry("longitude must be within [-180, 180] and latitude within [-90, 90]")
    return lon, lat


def _line(value, minimum: int = 2) -> list:
    if not isinstance(value, list) or len(value) < minimum:
        raise NotGeometry(f"a line needs at least {minimum} positions")
    return [_position(p) for p in value]


def _polygon(value) -> list:
    if not isinstance(value, list) or not value:
        raise NotGeometry("a polygon is a list of linear rings")
    rings = []
    for ring in value:
        points = _line(ring, 4)
        if points[0] != points[-1]:
            raise NotGeometry("a polygon's ring must end where it starts")
        rings.append(points)
    return rings


def parse(value) -> dict:
    """A normalised geometry: ``{"points": [...], "lines": [[...]], "polygons": [[ring, ...]]}``."""
    if not isinstance(value, dict) or value.get("type") not in _TYPES:
        raise NotGeometry("not a GeoJSON geometry")
    kind = value["type"]
    out: dict = {"points": [], "lines": [], "polygons": []}
    if kind == "GeometryCollection":
        members = value.get("geometries")
        if not isinstance(members, list):
            raise NotGeometry("a GeometryCollection needs geometries")
        for member in members:
            inner = parse(member)
            for key in out:
                out[key].extend(inner[key])
        return out
    coordinates = value.get("coordinates")
    if kind == "Point":
        out["points"].append(_position(coordinates))
    elif kind == "MultiPoint":
        if not isinstance(coordinates, list):
            raise NotGeometry("a MultiPoint is a list of positions")
        out["points"].extend(_position(p) for p in coordinates)
    elif kind == "LineString":
        out["lines"].append(_line(coordinates))
    elif kind == "MultiLineString":
        if not isinstance(coordinates, list):
            raise NotGeometry("a MultiLineString is a list of lines")
        out["lines"].extend(_line(line) for line in coordinates)
    elif kind == "Polygon":
        out["polygons"].append(_polygon(coordinates))
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list):
            raise NotGeometry("a MultiPolygon is a list of polygons")
        out["polygons"].extend(_polygon(p) for p in coordinates)
    return out


# --- distances ----------------------------------------


def point_distance(p: tuple, q: tuple) -> float:
    """Geodesic distance in metres on WGS 84 (Vincenty's inverse formula; haversine if it fails)."""
    if p == q:
        return 0.0
    lon1, lat1 = map(math.radians, p)
    lon2, lat2 = map(math.radians, q)
    u1 = math.atan((1 - _F) * math.tan(lat1))
    u2 = math.atan((1 - _F) * math.tan(lat2))
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    big_l = lon2 - lon1
    lam = big_l
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - previous) < 1e-12:
            break
    else:
        return _haversine(p, q)  # nearly antipodal points: the series does not converge
    u_sq = cos2_alpha * (_A**2 - _B**2) / _B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return _B * big_a * (sigma - delta)


def _haversine(p: tuple, q: tuple) -> float:
    lon1, lat1 = map(math.radians, p)
    lon2, lat2 = map(math.radians, q)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _MEAN_RADIUS * math.asin(min(1.0, math.sqrt(h)))


def _segment_distance(p: tuple, a: tuple, b: tuple) -> float:
    """Distance from ``p`` to segment ``ab``: the closest point found in a flat projection around ``p``,
    the distance itself measured geodesically."""
    scale = math.cos(math.radians(p[1]))

    def flat(q):
        return ((q[0] - p[0]) * scale, q[1] - p[1])

    ax, ay = flat(a)
    bx, by = flat(b)
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    closest = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    return point_distance(p, closest)


def _segments(geometry: dict):
    for line in geometry["lines"]:
        yield from pairwise(line)
    for polygon in geometry["polygons"]:
        for ring in polygon:
            yield from pairwise(ring)


def _vertices(geometry: dict):
    yield from geometry["points"]
    for line in geometry["lines"]:
        yield from line
    for polygon in geometry["polygons"]:
        for ring in polygon:
            yield from ring


def distance(g1: dict, g2: dict) -> float:
    if intersects(g1, g2):
        return 0.0
    best = math.inf
    segments2 = list(_segments(g2))
    segments1 = list(_segments(g1))
    for p in _vertices(g1):
        for q in g2["points"]:
            best = min(best, point_distance(p, q))
        for a, b in segments2:
            best = min(best, _segment_distance(p, a, b))
    for p in _vertices(g2):
        for a, b in segments1:
            best = min(best, _segment_distance(p, a, b))
    return best


# --- planar predicates in longitude/latitude ----------------------------------------


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p, a, b) -> bool:
    return (
        abs(_cross(a, b, p)) <= 1e-12
        and min(a[0], b[0]) - 1e-12 <= p[0] <= max(a[0], b[0]) + 1e-12
        and min(a[1], b[1]) - 1e-12 <= p[1] <= max(a[1], b[1]) + 1e-12
    )


def _segments_cross(a, b, c, d) -> bool:
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and d1 and d2 and d3 and d4:
        return True
    return _on_segment(a, c, d) or _on_segment(b, c, d) or _on_segment(c, a, b) or _on_segment(d, a, b)


def _in_ring(p, ring) -> bool:
    inside = False
    for a, b in pairwise(ring):
        if (a[1] > p[1]) != (b[1] > p[1]):
            x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if p[0] < x:
                inside = not inside
    return inside


def _point_in_polygon(p, polygon, *, boundary_counts: bool) -> bool:
    outer, holes = polygon[0], polygon[1:]
    for ring in polygon:
        if any(_on_segment(p, a, b) for a, b in pairwise(ring)):
            return boundary_counts
    return _in_ring(p, outer) and not any(_in_ring(p, hole) for hole in holes)


def intersects(g1: dict, g2: dict) -> bool:
    for polygon in g2["polygons"]:
        if any(_point_in_polygon(p, polygon, boundary_counts=True) for p in _vertices(g1)):
            return True
    for polygon in g1["polygons"]:
        if any(_point_in_polygon(p, polygon, boundary_counts=True) for p in _vertices(g2)):
            return True
    segments2 = list(_segments(g2))
    for a, b in _segments(g1):
        if any(_segments_cross(a, b, c, d) for c, d in segments2):
            return True
    for p in g1["points"]:
        if p in g2["points"] or any(_on_segment(p, c, d) for c, d in segments2):
            return True
    return any(_on_segment(q, a, b) for q in g2["points"] for a, b in _segments(g1))


def inside(g1: dict, g2: dict) -> bool:
    """Is g1 completely inside the polygon(s) g2 (its boundary excluded)?"""
    if not g2["polygons"] or g2["points"] or g2["lines"]:
        return False
    vertices = list(_vertices(g1))
    if not vertices:
        return False
    for p in vertices:
        if not any(_point_in_polygon(p, polygon, boundary_counts=False) for polygon in g2["polygons"]):
            return False
    # A vertex-wise test misses an edge leaving and re-entering a concave polygon: check the crossings.
    boundary = list(_segments({"points": [], "lines": [], "polygons": g2["polygons"]}))
    return not any(_segments_cross(a, b, c, d) for a, b in _segments(g1) for c, d in boundary)


# --- the query functions ----------------------------------------


def _geometry_arg(env, expr):
    """The argument's geometry, or the function's answer when it is not one (empty: false, NULL: NULL)."""
    items = expr.eval(env)
    if len(items) != 1:
        return None, [False]
    if items[0] is None:
        return None, [None]
    try:
        return parse(items[0]), None
    except NotGeometry:
        return None, [False]


def _two(env, args):
    g1, answer = _geometry_arg(env, args[0])
    if answer is not None:
        return None, None, answer
    g2, answer = _geometry_arg(env, args[1])
    if answer is not None:
        return None, None, answer
    return g1, g2, None


def f_intersect(env, args):
    g1, g2, answer = _two(env, args)
    return answer if answer is not None else [intersects(g1, g2)]


def f_inside(env, args):
    g1, g2, answer = _two(env, args)
    return answer if answer is not None else [inside(g1, g2)]


def f_within_distance(env, args):
    g1, g2, answer = _two(env, args)
    if answer is not None:
        return answer
    limit = args[2].eval(env)
    if len(limit) != 1 or not is_number(limit[0]):
        return [False]
    return [distance(g1, g2) <= float(limit[0])]


def f_distance(env, args):
    g1, g2, answer = _two(env, args)
    if answer is not None:
        return [None] if answer == [None] else [-1.0]
    return [distance(g1, g2)]


def f_is_geometry(env, args):
    items = args[0].eval(env)
    if len(items) != 1:
        return [False]
    if items[0] is None:
        return [None]
    try:
        parse(items[0])
    except NotGeometry:
        return [False]
    return [True]
