"""Portal profiles from TOML: the built-in ones shipped with the package, then `--profile-file`.

A file holds `[portal.<name>]` tables, each validated into a `probes.profile.Profile`.
Whatever is wrong with a file comes back as one `ProfileError` line naming the file,
the portal, the field and the problem, so a practice manager can fix it without a
traceback. A profile from `--profile-file` replaces a built-in one of the same name.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from probes.profile import Profile
from probes.target import Target


class ProfileError(Exception):
    """A profile file that cannot be used; str() is one line: file, portal, field, problem."""


class IdentifierError(ValueError):
    """An identifier for support (NPI, tax ID) that is not one; str() says why in one line."""


def load_profiles(extra: Path | None = None) -> dict[str, Profile]:
    """Built-in profiles, overlaid with those of `extra`, by name."""
    profiles: dict[str, Profile] = {}
    folder = resources.files("agent.engine") / "data" / "profiles"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            profiles.update(parse_profiles(entry.read_text(encoding="utf-8"), entry.name))
    if extra is not None:
        try:
            text = extra.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ProfileError(f"{extra}: cannot read the file: {reason}") from None
        profiles.update(parse_profiles(text, str(extra)))
    return profiles


def parse_profiles(text: str, source: str) -> dict[str, Profile]:
    """The profiles in one TOML document; `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"portal"})
    if unknown:
        raise ProfileError(
            f"{source}: unknown top-level key {unknown[0]!r} (profiles go in [portal.<name>] tables)"
        )
    portals = data.get("portal")
    if portals is not None and not isinstance(portals, dict):
        raise ProfileError(f"{source}: portal: must hold [portal.<name>] tables, not a single value")
    if not portals:
        raise ProfileError(f"{source}: no [portal.<name>] tables found")
    found: dict[str, Profile] = {}
    for name, table in portals.items():
        if not isinstance(table, dict):
            raise ProfileError(f"{source}: portal {name!r}: must be a table ([portal.{name}])")
        if "name" in table and table["name"] != name:
            raise ProfileError(
                f"{source}: portal {name!r}: name: {table['name']!r} differs from the table's name {name!r}"
            )
        try:
            found[name] = Profile.model_validate({**table, "name": name})
        except ValidationError as exc:
            raise ProfileError(f"{source}: portal {name!r}: {_first_problem(exc)}") from None
    return found


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    field = _field_path(first["loc"])
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{field}: {_wording(first)}{suffix}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top)"


def _wording(error: Any) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    if message.startswith("Input should be "):
        wording = "must be " + message.removeprefix("Input should be ").replace("a valid ", "a ", 1)
        return ("unknown name: " if "[key]" in error["loc"] else "") + wording
    return message[:1].lower() + message[1:]


def dump_profile(profile: Profile) -> str:
    """`profile` as a TOML `[portal.<name>]` table that `parse_profiles` reads back unchanged."""
    data = profile.model_dump(exclude_defaults=True, exclude={"name"})
    lines = [f"[portal.{profile.name}]"]
    tables: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"\n[portal.{profile.name}.{key}]")
            tables += [f"{k} = {json.dumps(v)}" for k, v in value.items() if v not in (None, [])]
        else:
            lines.append(f"{key} = {json.dumps(value)}")  # a JSON string or list of strings is valid TOML
    return "\n".join(lines + tables) + "\n"


def close_matches(name: str, profiles: dict[str, Profile]) -> list[str]:
    """Profile names that look like `name`, best first, for a 'did you mean' line."""
    import difflib  # only when a profile name is not found

    return difflib.get_close_matches(name.lower(), sorted(profiles), n=3, cutoff=0.6)


def unknown_profile_message(name: str, profiles: dict[str, Profile]) -> str:
    """One line for a TARGET that is neither a URL nor a known profile."""
    hint = close_matches(name, profiles)
    did_you_mean = f"; did you mean {', '.join(hint)}?" if hint else ""
    return (
        f"{name!r} is neither a URL nor a known portal profile{did_you_mean}"
        " (diagnose --list-profiles shows them)"
    )


def list_profiles(profile_file: str | None = None) -> str:
    """What `diagnose --list-profiles` prints."""
    return format_profiles(load_profiles(Path(profile_file) if profile_file else None))


def format_profiles(profiles: dict[str, Profile]) -> str:
    """The `--list-profiles` table: name, title and login URL, one portal a line."""
    if not profiles:
        return "no portal profiles"
    width = max(len(name) for name in profiles)
    title_width = max(len(p.title) for p in profiles.values())
    return "\n".join(
        f"{name:<{width}}  {p.title:<{title_width}}  {p.login_url}" for name, p in sorted(profiles.items())
    )


def resolve_target(text: str, profile_file: str | None = None) -> tuple[Target, Profile | None]:
    """TARGET as a URL, or as the name of a profile (built-in or from `profile_file`).

    A URL that is some profile's login URL gets that profile too. Raises ProfileError
    (a bad profile file, an unknown name) or TargetError (a malformed URL).
    """
    extra = Path(profile_file) if profile_file else None
    profiles = load_profiles(extra)
    if "://" in text:
        target = Target.parse(text)
        profile = next((p for p in profiles.values() if _same_url(p.login_url, target)), None)
        return (target.model_copy(update={"profile": profile.name}), profile) if profile else (target, None)
    profile = profiles.get(text.strip().lower())
    if profile is not None:
        return Target.parse(profile.login_url, profile=profile.name), profile
    if any(c in text for c in "./:"):
        return Target.parse(text), None  # a host name without a scheme: Target says what is missing
    raise ProfileError(unknown_profile_message(text.strip(), profiles))


def _same_url(login_url: str, target: Target) -> bool:
    try:
        return Target.parse(login_url).url == target.url
    except ValueError:
        return False


def support_identifiers(npi: str | None, provider_id: str | None, tax_id: str | None,
                        practice_name: str | None) -> dict[str, str]:
    """The identifiers given on the command line, checked, as the report's support section lists them."""
    found = {"npi": check_npi(npi) if npi is not None else None, "provider_id": provider_id,
             "tax_id": check_tax_id(tax_id) if tax_id is not None else None, "practice_name": practice_name}
    return {k: v.strip() for k, v in found.items() if v is not None and v.strip()}


def check_tax_id(value: str) -> str:
    """A US tax ID (EIN) as 12-3456789: nine digits, the dash optional."""
    digits = value.strip().replace("-", "")
    if not (len(digits) == 9 and digits.isascii() and digits.isdigit()):
        raise IdentifierError(f"--tax-id {value!r}: a tax ID (EIN) is 9 digits, e.g. 12-3456789")
    return f"{digits[:2]}-{digits[2:]}"


def check_npi(value: str) -> str:
    """`value` when it is a valid NPI: 10 digits, the last the Luhn check digit of 80840 + the first 9."""
    npi = value.strip()
    if not (len(npi) == 10 and npi.isascii() and npi.isdigit()):
        raise IdentifierError(f"--npi {value!r}: an NPI is exactly 10 digits")
    if _luhn_check_digit("80840" + npi[:9]) != int(npi[9]):
        raise IdentifierError(f"--npi {value!r}: the check digit does not match (a typing error?)")
    return npi


def _luhn_check_digit(payload: str) -> int:
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:  # the payload's last digit sits next to the check digit: it is doubled
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return (10 - total % 10) % 10
