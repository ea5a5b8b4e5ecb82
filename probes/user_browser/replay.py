"""`--user-profile`: the login page as the user sees it, in a temporary copy of their own profile.

Reading a profile's files tells what is set; only loading the page with the profile's
extensions and settings active shows what they do. The page is loaded once in a clean
profile and once in a copy of the user's, by the same Chromium; a failure only the copy
has is the profile's, and a blocked request is pinned on the extension whose rules match
it. The copy never holds passwords, history or form data (cookies only with
`--user-profile-with-cookies`), stays on this machine, and is deleted afterwards, also
when the run is cancelled. The user's own profile is never opened, only copied.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from probes.evidence import Finding
from probes.user_browser.evidence import BrowserInstall, PageLoad, ProfileInfo, ProfileReplay
from probes.user_browser.safe_read import Unreadable, read_json
from probes.web.driver import keep_compiled_code
from probes.web.flags import needs_no_sandbox

NEVER_COPIED = ("Login Data", "History", "Web Data")  # and their -journal/-wal files: passwords, history, forms
COOKIE_STORES = ("Cookies",)
NOT_NEEDED = ("Cache", "Code Cache", "GPUCache", "Service Worker", "Sessions", "Session Storage")
UNPACKED = (4, 8)  # Chromium's Manifest::Location of a folder: kUnpacked, kCommandLine (--load-extension)
SETTLE_MS = 500  # after the load event, for late scripts to run or fail
LOGIN_FIELDS = "input[type=password], input[autocomplete=username], input[name*=user i], input[type=email]"


def choose(installs: list[BrowserInstall], wanted: str) -> tuple[BrowserInstall, ProfileInfo]:
    """The profile `wanted` names (BROWSER[:PROFILE], '' = the first readable); ValueError says why none fits."""
    browser, _, profile = wanted.partition(":")
    chromium = [b for b in installs if b.key != "firefox" and b.user_data_dir]
    for install in chromium:
        if browser and browser.lower() not in (install.key, install.title.lower()):
            continue
        for info in install.profiles:
            if info.unreadable is None and (not profile or profile in (info.display_name, info.dir_name)):
                return install, info
    found = ", ".join(f"{b.key}:{p.display_name}" for b in chromium for p in b.profiles) or "none"
    raise ValueError(f"no readable Chrome, Edge, Chromium or Brave profile matches {wanted or 'any'!r} "
                     f"(found: {found}; Firefox profiles are read, not loaded)")


def copy_profile(user_data: Path, dir_name: str, into: Path, with_cookies: bool) -> tuple[list[str], list[str]]:
    """Copy `Local State` and the profile into `into`, without the stores that never leave it; (copied, left out)."""
    skipped = NEVER_COPIED + (() if with_cookies else COOKIE_STORES)
    left_out: list[str] = []

    def ignore(folder: str, names: list[str]) -> list[str]:
        dropped = [n for n in names if n.split("-")[0] in skipped or n in NOT_NEEDED or n.startswith("Singleton")]
        left_out.extend(str(Path(folder, n).relative_to(user_data)) for n in dropped if n.split("-")[0] in skipped)
        return dropped

    into.mkdir(parents=True, exist_ok=True)
    copied = []
    if (user_data / "Local State").is_file():
        shutil.copy2(user_data / "Local State", into / "Local State")
        copied.append("Local State")
    shutil.copytree(user_data / dir_name, into / dir_name, ignore=ignore, symlinks=True)
    copied.append(dir_name)
    return copied, sorted(left_out)


def unpacked_extensions(profile: Path, enabled: set[str]) -> dict[str, Path]:
    """Enabled extensions loaded from a folder (they load with --load-extension), by id."""
    found: dict[str, Path] = {}
    for name in ("Preferences", "Secure Preferences"):
        try:
            settings = read_json(profile / name).get("extensions", {}).get("settings", {})
        except Unreadable:
            continue
        for ext_id, entry in settings.items():
            path = Path(str(entry.get("path", "")))
            if ext_id in enabled and entry.get("location") in UNPACKED and path.is_absolute() and path.is_dir():
                found[ext_id] = path
    return found


async def load(executable: str, user_data: Path, dir_name: str, url: str, extensions: list[Path],
               seconds: float) -> PageLoad:
    """Load `url` once in `user_data`/`dir_name`, headless, extensions active; what failed, what showed."""
    from playwright.async_api import Error, async_playwright

    args = ["--headless=new", f"--profile-directory={dir_name}", "--no-first-run", "--no-default-browser-check"]
    if needs_no_sandbox():
        args.append("--no-sandbox")
    if extensions:
        joined = ",".join(str(p) for p in extensions)
        args += [f"--load-extension={joined}", f"--disable-extensions-except={joined}",
                 "--disable-features=DisableLoadExtensionCommandLineSwitch"]
    seen = PageLoad()
    keep_compiled_code()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(user_data), executable_path=executable, headless=True, args=args,
            ignore_default_args=["--disable-popup-blocking", "--disable-extensions"],
            timeout=max(1.0, seconds) * 1000)
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.on("requestfailed", lambda r: seen.failed_requests.append(f"{r.url.split('?')[0]}: {r.failure}"))
            page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
            try:
                await page.goto(url, wait_until="load", timeout=max(1.0, seconds) * 1000)
                seen.loaded = True
                await page.wait_for_timeout(SETTLE_MS)
                seen.login_form = await page.locator(LOGIN_FIELDS).count() > 0
            except Error as exc:
                seen.error = str(exc).splitlines()[0]
        finally:
            await context.close()
    return seen


def blocker(url: str, extensions: dict[str, Path], names: dict[str, str]) -> str | None:
    """The name of the extension whose declarativeNetRequest rules block `url`, if one does."""
    for ext_id, folder in extensions.items():
        for rule in _block_rules(folder):
            if _url_filter_matches(str(rule.get("condition", {}).get("urlFilter", "")), url):
                return names.get(ext_id, ext_id)
    return None


def _block_rules(folder: Path) -> list[dict[str, Any]]:
    try:
        manifest = read_json(folder / "manifest.json")
    except Unreadable:
        return []
    rules: list[dict[str, Any]] = []
    for resource in manifest.get("declarative_net_request", {}).get("rule_resources", []):
        if not resource.get("enabled", True):
            continue
        try:
            loaded = (folder / str(resource.get("path", ""))).read_text(encoding="utf-8")
        except OSError:
            continue
        rules += [r for r in json.loads(loaded) if r.get("action", {}).get("type") == "block"]
    return rules


def _url_filter_matches(pattern: str, url: str) -> bool:
    """declarativeNetRequest's urlFilter: `*` wildcards, `|`/`||` anchors, `^` separators (approximated)."""
    if not pattern:
        return False
    parts = [p for p in pattern.strip("|").replace("^", "*").split("*") if p]
    position = 0
    for part in parts:
        position = url.find(part, position)
        if position < 0:
            return False
        position += len(part)
    return True


async def replay(install: BrowserInstall, info: ProfileInfo, executable: str, url: str, with_cookies: bool,
                 seconds: float) -> tuple[ProfileReplay, list[Finding]]:
    """Both loads and the findings for what fails only in the user's profile; the copy is always deleted."""
    assert install.user_data_dir is not None
    source = Path(install.user_data_dir)
    enabled = {e.id: e.name for e in info.extensions}
    unpacked = unpacked_extensions(source / info.dir_name, set(enabled))
    result = ProfileReplay(browser=install.title, profile=info.display_name, executable=executable,
                           with_cookies=with_cookies, extensions_loaded=sorted(enabled.values()))
    with tempfile.TemporaryDirectory(prefix="diagnose-clean-") as clean, \
            tempfile.TemporaryDirectory(prefix="diagnose-profile-") as copy:
        result.copied, result.left_out = await asyncio.to_thread(
            copy_profile, source, info.dir_name, Path(copy), with_cookies)
        result.clean = await load(executable, Path(clean), "Default", url, [], seconds / 2)
        result.user = await load(executable, Path(copy), info.dir_name, url, list(unpacked.values()), seconds / 2)
    return result, _findings(result, install, info, unpacked, enabled)


def _findings(result: ProfileReplay, install: BrowserInstall, info: ProfileInfo, unpacked: dict[str, Path],
              enabled: dict[str, str]) -> list[Finding]:
    clean, user = result.clean, result.user
    clean_fails = {f.split(": ")[0] for f in clean.failed_requests}
    only = [f for f in user.failed_requests if f.split(": ")[0] not in clean_fails]
    only += [f"script error: {e}" for e in user.page_errors if e not in clean.page_errors]
    if clean.loaded and not user.loaded:
        only.append(f"the page did not load: {user.error}")
    result.only_in_profile = only
    if not only or not clean.loaded:
        return []
    where = f"{install.title}, profile '{info.display_name}'"
    for failure in only:
        name = blocker(failure.split(": ")[0], unpacked, enabled)
        if name is not None:
            blocked = failure.split(": ")[0].rsplit("/", 1)[-1]
            return [Finding(
                id="browser.extension_interference", severity="critical", evidence=only,
                summary=f"The page works in a clean browser; in {where}, extension '{name}' blocks {blocked}.",
                remediation=[f"In {install.title}, open the extensions page (chrome://extensions in Chrome), and turn "
                             f"off '{name}' for this portal (or allow the portal in its settings); then reload."],
                data={"extension": name, "blocked": failure, "profile": info.display_name})]
    active = ", ".join(sorted(enabled.values())) or "none"
    return [Finding(
        id="browser.extension_interference" if enabled else "browser.resource_blocked", severity="critical",
        confidence_scale=0.6, evidence=only,
        summary=f"The page works in a clean browser but fails in {where} ({only[0]}); its active extensions: "
                f"{active}.",
        remediation=[f"Try the portal in a private window of {install.title}, or turn the profile's extensions off "
                     "one by one to find the one that breaks it."])]
