"""Place practices at postcode centroids: OS Code-Point Open (with or without its header row) or the
ONS Postcode Directory layout, using eastings/northings (EPSG:27700) or latitude/longitude (EPSG:4326).

Matching ignores spaces and case. Only postcodes used by practices are staged, so a national file works.
"""

from __future__ import annotations

import logging
import math
from datetime import date
from pathlib import Path

import numpy as np

from geo_service.crs import AREA_SRID, STORAGE_SRID, transformer
from geo_service.db.repositories import imports_practices, imports_staging
from geo_service.errors import InputFileError
from geo_service.ingest.coordinates import BNG_EASTING, BNG_NORTHING, UK_LAT, UK_LON, fmt_point, in_bng, in_uk
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import CsvTable, FirstLines, normalise_postcode, read_csv
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file

log = logging.getLogger(__name__)

# OS Code-Point Open CSVs ship without a header, in this order.
CODEPOINT_COLUMNS = (
    "postcode",
    "positional_quality_indicator",
    "eastings",
    "northings",
    "country_code",
    "nhs_regional_ha_code",
    "nhs_ha_code",
    "admin_county_code",
    "admin_district_code",
    "admin_ward_code",
)
POSTCODE_NAMES = ("postcode", "pcds", "pcd", "pcd2", "pcd7", "pcd8")
EASTING_NAMES = ("eastings", "easting", "oseast1m", "x")
NORTHING_NAMES = ("northings", "northing", "osnrth1m", "y")
LAT_NAMES = ("latitude", "lat")
LON_NAMES = ("longitude", "long", "lon", "lng")
# ONSPD marks postcodes without a grid reference with these.
_NO_LAT = 99.999999


def _is_header(first_row: list[str]) -> bool:
    return bool(first_row) and first_row[0].strip().lower() in POSTCODE_NAMES


class PostcodeFile:
    """The parsed file and which columns hold what."""

    def __init__(self, path: str | Path) -> None:
        self.table: CsvTable = read_csv(path, headerless_columns=CODEPOINT_COLUMNS, looks_like_header=_is_header)
        t = self.table
        self.pc = t.column_of(POSTCODE_NAMES)
        if self.pc is None:
            t.require(["postcode"])
        self.east, self.north = t.column_of(EASTING_NAMES), t.column_of(NORTHING_NAMES)
        self.lat, self.lon = t.column_of(LAT_NAMES), t.column_of(LON_NAMES)
        if not (self.east and self.north) and not (self.lat and self.lon):
            raise InputFileError(
                t.name,
                "missing coordinate columns: need eastings and northings, or latitude and longitude; "
                f"found {', '.join(t.header)}",
                row=1,
            )

    def _number(self, text: str, line: int, field: str) -> float | None:
        v = text.strip()
        if not v:
            return None
        try:
            number = float(v)
        except ValueError as exc:
            raise InputFileError(self.table.name, f"{v!r} is not a number", row=line, field=field) from exc
        if not math.isfinite(number):
            raise InputFileError(self.table.name, f"{v!r} is not a finite number", row=line, field=field)
        return number

    def centroids(self, wanted: set[str]) -> tuple[list[tuple], int]:
        """(postcode, lon, lat) for the wanted postcodes, and how many wanted rows had no coordinates."""
        t = self.table
        ipc = t.index(self.pc)
        use_grid = bool(self.east and self.north)
        ie, inn = (t.index(self.east), t.index(self.north)) if use_grid else (None, None)
        ilat, ilon = (t.index(self.lat), t.index(self.lon)) if self.lat and self.lon else (None, None)
        seen = FirstLines(t.name, "postcode", self.pc)
        codes, xs, ys, grid = [], [], [], []
        missing = 0
        for line, r in t.rows:
            pc = normalise_postcode(r[ipc])
            if pc not in wanted:
                continue
            seen.add(pc, line, shown=repr(r[ipc].strip()))
            x = y = None
            if use_grid:
                x, y = self._number(r[ie], line, self.east), self._number(r[inn], line, self.north)
            if x is not None and y is not None and (x, y) != (0, 0):
                if not in_bng(x, y):
                    raise InputFileError(
                        t.name,
                        f"easting/northing {fmt_point(x, y)} is not on the British National Grid "
                        f"(0–{BNG_EASTING[1]:,.0f} m east, 0–{BNG_NORTHING[1]:,.0f} m north)",
                        row=line,
                        field=self.east,
                    )
                codes.append(pc)
                xs.append(x)
                ys.append(y)
                grid.append(True)
                continue
            if ilat is not None:
                lat, lon = self._number(r[ilat], line, self.lat), self._number(r[ilon], line, self.lon)
                if lat is not None and lon is not None and lat != _NO_LAT:
                    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                        raise InputFileError(
                            t.name, f"latitude {lat} / longitude {lon} out of range", row=line, field=self.lat
                        )
                    if not in_uk(lon, lat):
                        raise InputFileError(
                            t.name,
                            f"latitude {lat} / longitude {lon} is outside the UK "
                            f"(latitude {UK_LAT[0]}–{UK_LAT[1]}, longitude {UK_LON[0]}–{UK_LON[1]})",
                            row=line,
                            field=self.lat,
                        )
                    codes.append(pc)
                    xs.append(lon)
                    ys.append(lat)
                    grid.append(False)
                    continue
            missing += 1
        x_arr, y_arr, g = np.array(xs, dtype=float), np.array(ys, dtype=float), np.array(grid, dtype=bool)
        if g.any():
            lon, lat = transformer(AREA_SRID, STORAGE_SRID).transform(x_arr[g], y_arr[g])
            x_arr[g], y_arr[g] = lon, lat
        return [(c, float(x), float(y)) for c, x, y in zip(codes, x_arr, y_arr, strict=True)], missing


def import_postcodes(target, path: str | Path, extract_date: date | None = None) -> ImportReport:
    """Location facts (postcode centroids) for the postcodes of the registers loaded so far, as one extract.
    One transaction. Loading the file again after a new register adds that register's postcodes."""
    parsed = PostcodeFile(path)
    report = ImportReport("postcodes", parsed.table.name)
    with import_transaction(target) as conn, refused_by_database(parsed.table.name):
        wanted = imports_practices.register_postcodes(conn, "real")
        rows, missing = parsed.centroids(wanted)
        extract_id = record_file(conn, "postcodes", path, extract_date)
        imports_staging.stage(conn, "stage_postcodes", rows)
        counts = imports_practices.add_postcode_points(conn, extract_id)  # analyses postcode_points when it adds
    report.extract_id = extract_id
    report.added, report.unchanged = counts["added"], counts["unchanged"]
    report.notes["register postcodes not in the file"] = len(wanted) - len(rows) - missing
    report.notes["active practices not found"] = counts["active not found"]
    report.notes["without coordinates"] = missing
    log.info(report.summary())
    return report
