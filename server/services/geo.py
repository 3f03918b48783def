"""Distances between points given in GCJ-02 (what the mini-program's `wx.getLocation({type:
'gcj02'})` returns and `wx.openLocation` takes; the sites' coordinates are stored so).

GCJ-02 shifts WGS-84 by an offset that changes smoothly over hundreds of kilometres, so the distance
between two GCJ-02 points within a city is their true distance to well under a metre: the haversine
formula on the points as given is enough for a check-in radius or sorting by nearness.
"""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)


def distance_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres between two points in degrees."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi, dlambda = phi2 - phi1, radians(lng2 - lng1)
    h = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))
