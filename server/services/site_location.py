"""Where a site is, and whether a phone is there: the rules of a site's coordinates and of the
location a self check-in or check-out sends (docs/api.md, "On-site check-in").

Rules:
- A site has both `latitude` and `longitude` (GCJ-02, as `wx.getLocation({type: 'gcj02'})` returns
  and `wx.openLocation` takes) or neither, and a `checkin_radius_m` from 50 to 2000 metres. Without
  coordinates there is no location check, no map and no distance.
- At a site with coordinates a volunteer's own check-in or check-out sends `location` {latitude,
  longitude, accuracy} (accuracy: the phone's radius of uncertainty in metres). It is accepted when
  `distance - min(accuracy, CHECKIN_MAX_ACCURACY_M) <= checkin_radius_m` (distance measured to the
  centimetre): the doubt is given to the volunteer, but never more than the cap. Refused:
  `location_required` (none sent), `too_far_from_site` (the message says how far and the radius),
  `location_inaccurate` (a live scan near enough but reporting an accuracy worse than the cap: retry
  in the open, where the phone gets a better fix).
- An offline scan (uploaded later, `recorded_at`) sends the location the phone recorded at the scan.
  It is checked the same way, except that the moment cannot be repeated: a scan without a fix (an
  underground car park) or with an accuracy worse than the cap is accepted but not located (no
  distance stored; rosters show 位置未核验), while a fix that places the phone too far is refused.
- Only the distance in whole metres is stored on the booking, never the position.

Nothing here takes a lock or writes: the caller (`attendance`) holds the booking's lock.
"""

from flask import current_app

from server.errors import DomainError, ValidationFailed
from server.services.geo import distance_m

RADIUS_MIN_M, RADIUS_MAX_M = 50, 2000
DEFAULT_RADIUS_M = 200


def has_coordinates(site):
    return site.latitude is not None and site.longitude is not None


def check_site_point(current, changes):
    """Refuse coordinates given half: `changes` (a create's data, or an edit's fields) together with
    the site's `current` values (None for a new site) must leave both latitude and longitude set, or
    neither. Raises ValidationFailed naming the missing one."""
    after = {
        key: changes[key] if key in changes else getattr(current, key, None) for key in ("latitude", "longitude")
    }
    if (after["latitude"] is None) != (after["longitude"] is None):
        missing = "latitude" if after["latitude"] is None else "longitude"
        raise ValidationFailed(errors={missing: ["经度和纬度须同时填写或同时留空"]})


def located_distance(site, location, offline=False):
    """The distance in whole metres from the site's point to `location`, checked against the site's
    radius; None when the site has no coordinates, or for an offline scan without a usable fix.

    Raises DomainError `location_required`, `too_far_from_site`, `location_inaccurate`.
    """
    if not has_coordinates(site):
        return None
    if location is None:
        if offline:
            return None
        raise DomainError("location_required", "该值守点需要核验位置：请允许小程序获取您的位置后再签到", 422)
    cap = current_app.config["CHECKIN_MAX_ACCURACY_M"]
    accuracy = location["accuracy"]
    distance = distance_m(site.latitude, site.longitude, location["latitude"], location["longitude"])
    radius = site.checkin_radius_m
    if round(distance - min(accuracy, cap), 2) > radius:
        raise DomainError(
            "too_far_from_site", f"您距离值守点约 {_metres(distance)} 米，须在 {radius} 米以内才能签到或签退", 409
        )
    if accuracy > cap:
        if offline:
            return None
        raise DomainError(
            "location_inaccurate",
            f"当前定位误差约 {_metres(accuracy)} 米（须在 {cap} 米以内），请到室外开阔处重新定位后再试",
            409,
        )
    return round(distance)


def _metres(value):
    return f"{value:,.0f}" if value < 10_000_000 else "10,000,000+"
