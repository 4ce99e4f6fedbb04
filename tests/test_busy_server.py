"""``--busy-from-server``: busy times read from calendars on a real Radicale, by URL or as the
siblings of the pushed calendar, checked against an independent expansion (dateutil's rrule)."""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import trustme
from click.testing import CliRunner, Result
from dateutil.rrule import WEEKLY, rrule

from conftest import CALDAV_PASSWORD, CALDAV_USER, DEMO_PLAN, _scratch_folder
from plan2cal.cli import cli
from plan2cal.errors import PlanError
from plan2cal.publish.busy import joined_calendar
from publishing import put_raw
from servers import CalDavServer, free_port, radicale

BERLIN = ZoneInfo("Europe/Berlin")
START = "2027-01-04"  # a Monday
TODAY = "2027-01-01"

VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:STANDARD\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
"""


def _calendar(event: str, zone: bool = False) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//EN\r\n"
        + (VTIMEZONE if zone else "")
        + event
        + "END:VCALENDAR\r\n"
    ).encode()


# A weekly meeting on Tuesday and Wednesday evenings, in the windows (mon-thu 19-21).
WEEKLY_MEETING = _calendar(
    "BEGIN:VEVENT\r\nUID:weekly@example.org\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20270105T183000\r\nDTEND;TZID=Europe/Berlin:20270105T203000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=TU,WE\r\nSUMMARY:Choir\r\nEND:VEVENT\r\n",
    zone=True,
)
# A Saturday away, all day.
ALL_DAY = _calendar(
    "BEGIN:VEVENT\r\nUID:trip@example.org\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20270109\r\nDTEND;VALUE=DATE:20270110\r\nSUMMARY:Trip\r\nEND:VEVENT\r\n"
)
# Free time on the calendar: blocks nothing (Monday evening).
TRANSPARENT = _calendar(
    "BEGIN:VEVENT\r\nUID:free@example.org\r\nDTSTAMP:20270101T000000Z\r\n"
    "DTSTART:20270104T180000Z\r\nDTEND:20270104T200000Z\r\nTRANSP:TRANSPARENT\r\n"
    "SUMMARY:Maybe a film\r\nEND:VEVENT\r\n"
)


def busy_instances(until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The busy instances, expanded with dateutil (not the code under test)."""
    first = dt.datetime(2027, 1, 5, 18, 30, tzinfo=BERLIN)
    spans = [
        (start, start + dt.timedelta(hours=2))
        for start in rrule(WEEKLY, byweekday=(1, 2), dtstart=first, until=until)
    ]
    spans.append((dt.datetime(2027, 1, 9, tzinfo=BERLIN), dt.datetime(2027, 1, 10, tzinfo=BERLIN)))
    return spans


def sessions(ics: Path) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of every timed, live event of the written calendar."""
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    found = []
    for event in calendar.walk("VEVENT"):
        start = event["DTSTART"].dt
        if not isinstance(start, dt.datetime) or str(event.get("STATUS", "")) == "CANCELLED":
            continue
        found.append((start, event["DTEND"].dt))
    return found


def assert_no_overlap(ics: Path) -> list[tuple[dt.datetime, dt.datetime]]:
    found = sessions(ics)
    assert found
    busy = busy_instances(max(end for _, end in found) + dt.timedelta(days=7))
    for start, end in found:
        for low, high in busy:
            assert end <= low or high <= start, (start, end, low, high)
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[CalDavServer]:
    """A Radicale of this module's own: ``siblings`` reads every calendar of the home."""
    folder = _scratch_folder()
    process = radicale(folder, users={CALDAV_USER: CALDAV_PASSWORD}).start()
    yield CalDavServer(process, f"{process.origin}/{CALDAV_USER}/", CALDAV_USER, CALDAV_PASSWORD)
    process.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder, HOME too, with the demo plan and no password in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PLAN2CAL_PASSWORD", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "demo.yaml").write_text(DEMO_PLAN)
    return tmp_path


def busy_calendar(server: CalDavServer, name: str) -> str:
    """A calendar beside the pushed one with the three busy events."""
    url = server.new_calendar(name)
    auth = (CALDAV_USER, CALDAV_PASSWORD)
    for uid, data in (("weekly", WEEKLY_MEETING), ("trip", ALL_DAY), ("free", TRANSPARENT)):
        response = put_raw(f"{url}{uid}.ics", data, auth)
        assert response.status_code in {201, 204}, response.text
    return url


def plan2cal(password: str | None = None) -> Callable[..., Result]:
    def run(*args: object) -> Result:
        env = {"PLAN2CAL_PASSWORD": password} if password else {}
        return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return run


def netrc(home: Path, password: str) -> None:
    path = home / ".netrc"
    path.write_text(f'machine 127.0.0.1 login {CALDAV_USER} password "{password}"\n')
    path.chmod(0o600)


def test_a_named_calendar_blocks_its_busy_instances(server: CalDavServer, home: Path) -> None:
    """`--busy-from-server URL` (the password from ~/.netrc): no session touches the weekly
    meeting or the all-day trip; the transparent event leaves its evening free to use."""
    url = busy_calendar(server, "named")
    netrc(home, CALDAV_PASSWORD)
    run = plan2cal()
    plain = run("schedule", "demo.yaml", "--start", START, "--today", TODAY, "-o", "plain")
    assert plain.exit_code == 0, plain.stderr
    result = run("schedule", "demo.yaml", "--today", TODAY, "-o", "out", "--busy-from-server", url)
    assert result.exit_code == 0, result.stderr
    found = assert_no_overlap(home / "out" / "demo.ics")
    # The busy evenings were used without the server's calendar: the option changed something.
    assert sessions(home / "plain" / "demo.ics") != found
    monday = dt.date(2027, 1, 4)
    assert any(start.astimezone(BERLIN).date() == monday for start, _ in found)
    assert "busy" in result.stdout
    assert CALDAV_PASSWORD not in result.stdout + result.stderr
    assert "busy_from_server" not in (home / "demo.progress.yaml").read_text()


def test_siblings_of_the_pushed_calendar_block(server: CalDavServer, home: Path) -> None:
    """After a push, `--busy-from-server siblings` reads the other calendars of the home with
    the pinned user and PLAN2CAL_PASSWORD; the pushed calendar's own events block nothing."""
    busy_calendar(server, "siblings-busy")
    pushed = server.new_calendar("siblings-roadmap")
    run = plan2cal(CALDAV_PASSWORD)
    first = run(
        "push", "demo.yaml", "--start", START, "--today", TODAY, "--url", pushed,
        "--user", CALDAV_USER,
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    before = sessions(home / "out" / "demo.ics")
    # The pushed calendar named itself: its events are the plan's own, which block nothing.
    own = run("schedule", "demo.yaml", "--today", TODAY, "--busy-from-server", pushed)
    assert own.exit_code == 0, own.stderr
    assert sessions(home / "out" / "demo.ics") == before
    again = run("schedule", "demo.yaml", "--today", TODAY, "--busy-from-server", "siblings")
    assert again.exit_code == 0, again.stderr
    assert_no_overlap(home / "out" / "demo.ics")
    assert "pushed to" in again.stdout


def test_a_wrong_password_exits_7_with_one_line(server: CalDavServer, home: Path) -> None:
    url = busy_calendar(server, "refused")
    netrc(home, "not the password")
    result = plan2cal()("schedule", "demo.yaml", "--busy-from-server", url)
    assert result.exit_code == 7, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "refused the user 'alice'" in lines[0]
    assert "not the password" not in result.stdout + result.stderr
    assert not (home / "out").exists()


def test_not_a_calendar_and_siblings_without_a_push(server: CalDavServer, home: Path) -> None:
    """A URL with nothing there exits 7; `siblings` with no push target is a usage error."""
    netrc(home, CALDAV_PASSWORD)
    run = plan2cal()
    missing = run("schedule", "demo.yaml", "--busy-from-server", f"{server.home}no-such/")
    assert missing.exit_code == 7, missing.stderr
    assert "there is nothing at" in missing.stderr
    siblings = run("schedule", "demo.yaml", "--busy-from-server", "siblings")
    assert siblings.exit_code == 2, siblings.stderr
    assert "no push target" in siblings.stderr


def test_joined_calendar_keeps_events_and_each_zone_once() -> None:
    joined = joined_calendar([WEEKLY_MEETING, WEEKLY_MEETING.replace(b"weekly@", b"w2@")], "u")
    text = joined.decode()
    assert text.count("BEGIN:VTIMEZONE") == 1 and text.count("BEGIN:VEVENT") == 2
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    icalendar.Calendar.from_ical(joined)


@pytest.mark.parametrize(
    "data",
    [b"not a calendar", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b"\xff\xfe", ALL_DAY[:-40]],
)
def test_a_malformed_resource_names_the_url(data: bytes) -> None:
    with pytest.raises(PlanError, match=r"^https://cal\.example\.org/a/"):
        joined_calendar([ALL_DAY, data], "https://cal.example.org/a/")


def test_siblings_over_tls_use_the_pinned_ca(home: Path, tmp_path: Path) -> None:
    """A server with a private authority: the push pins --ca-cert, and `siblings` trusts it
    too; without the pin (a URL given alone) the certificate cannot be verified: exit 7."""
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    certificate, key, ca_file = (tmp_path / name for name in ("cert.pem", "key.pem", "ca.pem"))
    issued.cert_chain_pems[0].write_to_path(certificate)
    issued.private_key_pem.write_to_path(key)
    authority.cert_pem.write_to_path(ca_file)
    folder = _scratch_folder()
    process = radicale(
        folder, users={CALDAV_USER: CALDAV_PASSWORD}, certificate=(certificate, key)
    ).start()
    try:
        calendars = f"{process.origin}/{CALDAV_USER}/"
        auth = (CALDAV_USER, CALDAV_PASSWORD)
        verify = ssl.create_default_context(cafile=str(ca_file))
        busy = f"{calendars}work/"
        made = httpx.request("MKCALENDAR", busy, auth=auth, verify=verify, timeout=30)
        assert made.status_code == 201, made.text
        for uid, data in (("weekly", WEEKLY_MEETING), ("trip", ALL_DAY)):
            put = httpx.put(
                f"{busy}{uid}.ics",
                content=data,
                headers={"Content-Type": "text/calendar; charset=utf-8"},
                auth=auth,
                verify=verify,
                timeout=30,
            )
            assert put.status_code == 201, put.text
        run = plan2cal(CALDAV_PASSWORD)
        untrusted = run("schedule", "demo.yaml", "--busy-from-server", busy)
        assert untrusted.exit_code == 7, untrusted.stderr
        assert "cannot be verified" in untrusted.stderr
        pushed = run(
            "push", "demo.yaml", "--start", START, "--today", TODAY, "--url", calendars,
            "--user", CALDAV_USER, "--create", "Roadmap", "--ca-cert", ca_file,
        )  # fmt: skip
        assert pushed.exit_code == 0, pushed.stderr
        again = run("schedule", "demo.yaml", "--today", TODAY, "--busy-from-server", "siblings")
        assert again.exit_code == 0, again.stderr
        assert_no_overlap(home / "out" / "demo.ics")
        named = run("schedule", "demo.yaml", "--today", TODAY, "--busy-from-server", busy)
        assert named.exit_code == 0, named.stderr
    finally:
        process.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_server_that_does_not_answer_exits_7(home: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/alice/work/"
    result = plan2cal()("schedule", "demo.yaml", "--busy-from-server", url)
    assert result.exit_code == 7, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "did not answer" in lines[0] and "reading busy times" in lines[0]
    assert not (home / "out").exists()
