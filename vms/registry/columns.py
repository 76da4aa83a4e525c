"""Spreadsheet columns of the camera inventory: canonical names (written on export), Thai and
English header aliases (accepted on import), and the words accepted in enumerated cells."""

from __future__ import annotations

from dataclasses import dataclass

from vms.registry.thai import search_key


@dataclass(frozen=True, slots=True)
class Column:
    """One inventory column: `key` is the field and the header export writes."""

    key: str
    aliases: tuple[str, ...] = ()
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", ("รหัสกล้อง", "รหัส", "camera code", "camera id", "cam code", "รหัสจุดติดตั้ง")),
    Column(
        "name_th",
        ("ชื่อกล้อง", "ชื่อ", "ชื่อภาษาไทย", "ชื่อกล้อง (ไทย)", "thai name", "ชื่อจุดติดตั้ง", "ชื่อสถานที่", "ชื่อจุด"),
    ),
    Column("name_en", ("ชื่อภาษาอังกฤษ", "ชื่อกล้อง (อังกฤษ)", "english name", "name")),
    Column(
        "agency",
        (
            "หน่วยงาน",
            "หน่วยงานเจ้าของ",
            "เจ้าของ",
            "owner",
            "agency code",
            "หน่วยงานที่รับผิดชอบ",
            "หน่วยงานเจ้าของกล้อง",
            "ผู้รับผิดชอบ",
        ),
    ),
    Column("agency_kind", ("ประเภทหน่วยงาน", "agency type")),
    Column("agency_name_th", ("ชื่อหน่วยงาน", "ชื่อหน่วยงาน (ไทย)")),
    Column("agency_name_en", ("ชื่อหน่วยงาน (อังกฤษ)", "agency name")),
    Column(
        "main_url",
        (
            "url",
            "rtsp",
            "rtsp url",
            "main stream",
            "สตรีมหลัก",
            "ลิงก์สตรีม",
            "ลิงก์",
            "url กล้อง",
            "ที่อยู่สตรีม",
        ),
    ),
    Column("sub_url", ("sub stream", "สตรีมย่อย", "ลิงก์สตรีมย่อย")),
    Column("latitude", ("ละติจูด", "lat", "latitude (y)"), numeric=True),
    Column("longitude", ("ลองจิจูด", "lon", "lng", "long", "longitude (x)"), numeric=True),
    Column(
        "coordinates",
        (
            "พิกัด",
            "พิกัด gps",
            "gps",
            "lat,long",
            "lat, long",
            "lat/long",
            "latlong",
            "ละติจูด,ลองจิจูด",
            "ละติจูด/ลองจิจูด",
            "coordinates",
            "พิกัด (lat,long)",
            "พิกัดกล้อง",
        ),
    ),
    Column("address", ("ที่ตั้ง", "จุดติดตั้ง", "สถานที่ติดตั้ง", "สถานที่", "location", "ที่อยู่", "ตำแหน่งติดตั้ง")),
    Column("district", ("อำเภอ", "เขต", "district", "amphoe")),
    Column("subdistrict", ("ตำบล", "แขวง", "subdistrict", "sub district", "tambon")),
    Column("resolution", ("ความละเอียด", "ความละเอียดภาพ", "ความละเอียดกล้อง")),
    Column("model", ("ยี่ห้อ/รุ่น", "ยี่ห้อ", "รุ่น", "brand/model", "brand", "ยี่ห้อ-รุ่น")),
    Column(
        "install_date",
        ("วันที่ติดตั้ง", "install date", "installed", "installation date", "วันติดตั้ง", "วันที่ติดตั้งกล้อง"),
    ),
    Column("tags", ("แท็ก", "ป้ายกำกับ", "tag")),
    Column("notes", ("หมายเหตุ", "note", "remark", "remarks", "รายละเอียดเพิ่มเติม")),
    Column(
        "state",
        ("สถานะ", "status", "lifecycle", "สถานะการใช้งาน", "สถานะกล้อง", "สภาพ", "สภาพการใช้งาน"),
    ),
    Column("central_link", ("เชื่อมโยงส่วนกลาง", "ส่วนกลาง", "central")),
    Column("pull_mode", ("โหมดดึงภาพ", "pull")),
    Column("rtsp_transport", ("transport", "โปรโตคอลขนส่ง")),
    Column("onvif_url", ("onvif", "onvif address", "ที่อยู่ onvif")),
    Column("username", ("ชื่อผู้ใช้", "user", "user name", "login")),
    Column("password", ("รหัสผ่าน", "pass")),
    Column("sequence", ("ลำดับ", "ลำดับที่", "no", "no.", "#", "seq", "ที่", "item")),
)
# Targets a column can be mapped to besides the fields above: "ignore" drops it.
SKIPPED = frozenset({"sequence", "ignore"})
MAPPING_TARGETS = (*(c.key for c in COLUMNS if c.key != "sequence"), "ignore")
# Columns that may appear (or be mapped) more than once: their values are joined.
MULTI = frozenset({"tags", "notes", "ignore", "sequence"})
# An empty value however a clerk writes it.
PLACEHOLDERS = frozenset(
    {"-", "--", "—", "–", "n/a", "na", "n.a.", "ไม่ทราบ", "ไม่มี", "ไม่ระบุ", "null", "none", "?"}
)


STATE_WORDS = {
    "active": ("active", "ใช้งาน", "ใช้งานได้", "ปกติ", "เปิดใช้งาน", "ใช้งานได้ปกติ", "working", "ok"),
    "proposed": ("proposed", "planned", "เสนอ", "เสนอติดตั้ง", "รอติดตั้ง", "แผน"),
    "retired": ("retired", "ปลดระวาง", "เลิกใช้", "ยกเลิก", "ยกเลิกใช้งาน", "รื้อถอน"),
    # a camera reported not working is still registered (and pulled): these keep it active
    # and tag it with the condition (CONDITION_TAGS), so the uptime report can confirm it
    "broken": ("broken", "faulty", "ชำรุด", "เสีย", "ใช้งานไม่ได้", "ไม่สามารถใช้งานได้"),
    "repair": ("repair", "under repair", "รอซ่อม", "ระหว่างซ่อม", "กำลังซ่อม", "ส่งซ่อม"),
}
CONDITION_TAGS = {"broken": "ชำรุด", "repair": "รอซ่อม"}
PULL_WORDS = {
    "always": ("always", "ตลอดเวลา", "ตลอด"),
    "on_demand": ("on_demand", "on demand", "ondemand", "เมื่อเรียกดู", "เมื่อมีผู้ชม"),
}
TRUE_WORDS = ("yes", "y", "true", "1", "ใช่", "เชื่อมโยง", "✓", "✔", "x")
FALSE_WORDS = ("no", "n", "false", "0", "ไม่", "ไม่ใช่", "ไม่เชื่อมโยง", "-")


def header_key(text: str) -> str:
    """Headers compare without case, spaces, '_' or '-' ("Camera_Code" == "camera code")."""
    return "".join(ch for ch in search_key(text) if ch not in " _-")


_BY_HEADER: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.key, *_column.aliases):
        _BY_HEADER.setdefault(header_key(_name), _column.key)
NUMERIC_FIELDS = frozenset(c.key for c in COLUMNS if c.numeric)


def field_for_header(header: str) -> str | None:
    """The field a header names, or None if it is not one of ours."""
    return _BY_HEADER.get(header_key(header))


_WORD_INDEX: dict[int, tuple[dict[str, tuple[str, ...]], dict[str, str]]] = {}


def word_value(words: dict[str, tuple[str, ...]], text: str) -> str | None:
    """The canonical value a cell's word stands for ("ใช้งาน" -> "active"), or None."""
    known = _WORD_INDEX.get(id(words))
    if known is None or known[0] is not words:  # index each word table once
        index = {search_key(w): value for value, accepted in words.items() for w in accepted}
        known = _WORD_INDEX[id(words)] = (words, index)
    return known[1].get(search_key(text))


def bool_value(text: str) -> bool | None:
    """True, False, or None when the word is not a yes/no."""
    wanted = search_key(text)
    if wanted in TRUE_WORDS:
        return True
    if wanted in FALSE_WORDS or wanted == "":
        return False
    return None


KIND_WORDS = {
    "municipality": ("municipality", "เทศบาล", "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล"),
    "subdistrict_admin": ("subdistrict_admin", "orbortor", "อบต", "อบต.", "องค์การบริหารส่วนตำบล"),
    "police_station": ("police_station", "police", "สถานีตำรวจ", "สภ", "สภ.", "ตำรวจ"),
    "provincial_office": ("provincial_office", "ศาลากลางจังหวัด", "สำนักงานจังหวัด"),
    "provincial_admin_org": ("provincial_admin_org", "อบจ", "อบจ.", "องค์การบริหารส่วนจังหวัด"),
    "highways": ("highways", "ทางหลวง", "แขวงทางหลวง", "กรมทางหลวง"),
    "rural_roads": ("rural_roads", "ทางหลวงชนบท", "กรมทางหลวงชนบท"),
    "marine": ("marine", "เจ้าท่า", "สำนักงานเจ้าท่า", "กรมเจ้าท่า"),
    "immigration": ("immigration", "ตรวจคนเข้าเมือง", "ตม", "ตม."),
    "tourist_police": ("tourist_police", "ตำรวจท่องเที่ยว"),
    "private_partner": ("private_partner", "private", "เอกชน"),
    "command_center": ("command_center", "ศูนย์สั่งการ"),
    "governor_office": ("governor_office", "ผู้ว่าราชการจังหวัด", "สำนักงานผู้ว่าราชการจังหวัด"),
}
