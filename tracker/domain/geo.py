"""Geometry: distances and boxes on the sphere, and location discs and areas against zones
(shapely). The same distance in SQL is tracker.selectors.distances."""

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS 84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) enclosing the circle; used as an index-friendly
    prefilter before the exact distance. Clamped at the poles and the antimeridian."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    coslat = math.cos(math.radians(lat))
    dlon = 180.0 if coslat < 1e-9 else min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * coslat)))
    return (max(-180.0, lon - dlon), max(-90.0, lat - dlat), min(180.0, lon + dlon), min(90.0, lat + dlat))


def _local_projection(lat0: float, lon0: float):
    """A metric projection (km) centred on (lat0, lon0), vectorised for shapely.transform:
    equirectangular, accurate to well under 1 % within a few hundred km of the centre, which is
    all a location disc needs."""
    kx = math.cos(math.radians(lat0)) * math.pi * EARTH_RADIUS_KM / 180.0
    ky = math.pi * EARTH_RADIUS_KM / 180.0

    def project(coords):
        out = coords.copy()
        out[:, 0] = (coords[:, 0] - lon0) * kx
        out[:, 1] = (coords[:, 1] - lat0) * ky
        return out

    return project


class ZoneShape:
    """A zone geometry projected once to km around its own centre, ready to measure many
    location discs against (the verdict engine builds one per ceasefire). The equirectangular
    projection keeps distances within ~1 % for zones a few hundred km across."""

    def __init__(self, geometry: dict):
        import shapely
        from shapely.geometry import shape

        geom = shape(geometry)
        centre = geom.centroid
        self.lat0, self.lon0 = centre.y, centre.x
        self._project = _local_projection(self.lat0, self.lon0)
        self.area = shapely.transform(geom, self._project)
        shapely.prepare(self.area)

    def fraction_inside(self, lat: float, lon: float, radius_km: float) -> float:
        """Fraction (0..1) of the disc of `radius_km` around (lat, lon) inside the zone; a
        radius of 0 is a point: 1 inside or on the boundary, else 0."""
        import numpy as np
        from shapely.geometry import Point

        x, y = self._project(np.array([[lon, lat]], dtype=float))[0]
        point = Point(x, y)
        if radius_km <= 0:
            return 1.0 if self.area.covers(point) else 0.0
        disc = point.buffer(radius_km, quad_segs=32)
        if self.area.contains(disc):
            return 1.0
        if not self.area.intersects(disc):
            return 0.0
        return max(0.0, min(1.0, disc.intersection(self.area).area / disc.area))

    def fraction_of_area(self, geometry: dict) -> float:
        """Fraction (0..1) of a GeoJSON area (a region's polygon) inside the zone: where an
        event known only to lie somewhere in that region could be, the share in the zone."""
        import shapely
        from shapely.geometry import shape

        other = shapely.transform(shape(geometry), self._project)
        if other.area <= 0 or not self.area.intersects(other):
            return 0.0
        return max(0.0, min(1.0, other.intersection(self.area).area / other.area))


def disc_fraction_inside(lat: float, lon: float, radius_km: float, geometry: dict) -> float:
    """Fraction (0..1) of the disc of `radius_km` around (lat, lon) that lies inside the
    GeoJSON `geometry` (areas only). For many discs against one zone, build a ZoneShape."""
    return ZoneShape(geometry).fraction_inside(lat, lon, radius_km)


def geometry_bounds(geometry: dict) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a GeoJSON geometry."""
    from shapely.geometry import shape

    return shape(geometry).bounds


def expand_bounds(bounds: tuple[float, float, float, float], km: float) -> tuple[float, float, float, float]:
    """Grow a lon/lat box by `km` on every side."""
    min_lon, min_lat, max_lon, max_lat = bounds
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    coslat = max(1e-9, math.cos(math.radians(max(abs(min_lat), abs(max_lat)))))
    dlon = min(180.0, math.degrees(km / (EARTH_RADIUS_KM * coslat)))
    return (max(-180.0, min_lon - dlon), max(-90.0, min_lat - dlat), min(180.0, max_lon + dlon), min(90.0, max_lat + dlat))
