"""The import rules of docs/architecture.md, checked by walking the source with ``ast``.

Every import in ``bot/``, ``handlers/`` and ``storage/`` is resolved to an absolute dotted
name (``from .errors import X`` in ``bot.marketplaces.tokopedia.client`` becomes
``bot.marketplaces.tokopedia.errors.X``) and matched against the "never" rules below. Imports
inside functions and under ``TYPE_CHECKING`` count too: a dependency is a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")

# Methods that post or edit in Telegram; calling them anywhere but the relay bypasses the
# group's send budget (the pacer) and the one place Telegram errors become outages.
TELEGRAM_POSTING = frozenset(
    {
        "send_message",
        "send_photo",
        "send_video",
        "edit_message_text",
        "edit_message_reply_markup",
        "edit_message_caption",
        "create_forum_topic",
    }
)
# The sandboxes and the demo stand in for the outside world: they are the Bot API.
MAY_POST = ("bot.relay", "bot.sandbox", "bot.demo")
# Entry points that run the composition root; the demo is the `tokobot demo` command.
MAY_IMPORT_APP = ("bot.__main__", "bot.cli", "bot.demo")


@dataclass(frozen=True)
class Use:
    """One import of ``target`` (or one call of the method ``target``) in a source file."""

    path: str
    line: int
    module: str
    target: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


@dataclass(frozen=True)
class Source:
    """One Python file: where it is, its dotted module name and its text."""

    path: str
    module: str
    text: str
    is_package: bool


def within(name: str, *packages: str) -> bool:
    """True if the dotted ``name`` is one of ``packages`` or lies inside one of them."""
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def module_name(path: Path, root: Path) -> str:
    """The dotted name of a file: ``bot/relay/__init__.py`` is ``bot.relay``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: Source) -> Iterator[Use]:
    """Every import in ``source``, one ``Use`` per imported name, with absolute targets."""
    for node in ast.walk(ast.parse(source.text, filename=source.path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield _use(source, node, alias.name, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(source, node)
            written = "." * node.level + (node.module or "")
            for alias in node.names:
                target = base if alias.name == "*" else f"{base}.{alias.name}".lstrip(".")
                yield _use(source, node, target, f"from {written} import {alias.name}")


def _absolute(source: Source, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = source.module.split(".")
    if not source.is_package:
        package.pop()
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def posting_calls(source: Source) -> Iterator[Use]:
    """Every call of a Telegram posting method, whatever object it is called on."""
    for node in ast.walk(ast.parse(source.text, filename=source.path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TELEGRAM_POSTING
        ):
            callee = ast.get_source_segment(source.text, node.func) or node.func.attr
            yield _use(source, node, node.func.attr, " ".join(callee.split()) + "(...)")


def _use(source: Source, node: ast.stmt | ast.expr, target: str, text: str) -> Use:
    return Use(source.path, node.lineno, source.module, target, text)


def read_sources() -> tuple[Source, ...]:
    """Every Python file of the three top-level packages."""
    return tuple(
        Source(
            path=file.relative_to(ROOT).as_posix(),
            module=module_name(file, ROOT),
            text=file.read_text(encoding="utf-8"),
            is_package=file.name == "__init__.py",
        )
        for package in PACKAGES
        for file in sorted((ROOT / package).rglob("*.py"))
    )


ADAPTERS = frozenset(
    init.parent.name for init in (ROOT / "bot" / "marketplaces").glob("*/__init__.py")
)


def _adapter(module: str) -> str | None:
    """``bot.marketplaces.<name>`` if ``module`` lies inside an adapter package."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["bot", "marketplaces"] and parts[2] in ADAPTERS:
        return ".".join(parts[:3])
    return None


def domain_rule(use: Use) -> bool:
    """The domain imports no storage, handlers, telegram, nor any other part of ``bot``."""
    return within(use.module, "bot.domain") and (
        within(use.target, "storage", "handlers", "telegram")
        or (within(use.target, "bot") and not within(use.target, "bot.domain"))
    )


def render_rule(use: Use) -> bool:
    """Rendering imports only the domain and itself: no storage, marketplaces or telegram."""
    return within(use.module, "bot.render") and (
        within(use.target, "telegram", "storage", "handlers")
        or (within(use.target, "bot") and not within(use.target, "bot.domain", "bot.render"))
    )


def marketplace_rule(use: Use) -> bool:
    """An adapter imports no storage, relay, handlers, telegram, nor another adapter."""
    if not within(use.module, "bot.marketplaces"):
        return False
    own, other = _adapter(use.module), _adapter(use.target)
    return within(use.target, "storage", "bot.relay", "handlers", "telegram") or (
        other is not None and other != own
    )


def storage_rule(use: Use) -> bool:
    """Storage imports nothing from ``bot`` but the domain, and nothing from handlers."""
    return within(use.module, "storage") and (
        within(use.target, "handlers")
        or (within(use.target, "bot") and not within(use.target, "bot.domain"))
    )


def app_rule(use: Use) -> bool:
    """Only the entry points import the composition root ``bot.app``."""
    return within(use.target, "bot.app") and not within(use.module, *MAY_IMPORT_APP)


def http_rule(use: Use) -> bool:
    """The web app is handed ``store``: it imports neither PTB's ``Application`` nor handlers."""
    return within(use.module, "bot.http") and within(
        use.target, "telegram.ext.Application", "telegram.ext._application", "handlers"
    )


IMPORT_RULES: dict[str, Callable[[Use], bool]] = {
    rule.__name__: rule
    for rule in (domain_rule, render_rule, marketplace_rule, storage_rule, app_rule, http_rule)
}


def import_violations(rule: Callable[[Use], bool], sources: Iterable[Source]) -> list[Use]:
    return [use for source in sources for use in imports(source) if rule(use)]


def posting_violations(sources: Iterable[Source]) -> list[Use]:
    return [
        call
        for source in sources
        if not within(source.module, *MAY_POST)
        for call in posting_calls(source)
    ]


def fail_with(rule: str, violations: list[Use]) -> None:
    """Fail naming the rule and every offending file, line and statement."""
    if violations:
        lines = [rule, "Offending lines:", *(f"  {use}" for use in violations)]
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.fixture(name="sources", scope="module")
def _sources() -> tuple[Source, ...]:
    return read_sources()


class TestImportRules:
    @pytest.mark.parametrize("name", sorted(IMPORT_RULES))
    def test_no_module_breaks_the_rule(self, sources, name):
        """No import in bot/, handlers/ or storage/ runs against the intended direction."""
        rule = IMPORT_RULES[name]
        fail_with(rule.__doc__ or name, import_violations(rule, sources))

    def test_only_the_relay_posts_to_telegram(self, sources):
        """Posting and editing go through bot.relay, which owns the group's send budget."""
        rule = "Only bot/relay/ calls " + ", ".join(sorted(TELEGRAM_POSTING)) + "."
        fail_with(rule, posting_violations(sources))

    def test_the_walk_sees_every_package(self, sources):
        """The checker reads the real tree, so an empty result means something."""
        modules = {source.module for source in sources}
        assert {"bot.domain", "bot.render", "bot.relay", "handlers", "storage"} <= modules


class TestChecker:
    def test_a_forbidden_import_is_named_with_its_line(self):
        """A synthetic render module importing storage is caught at the right line."""
        source = '"""Doc."""\n\nimport html\nfrom storage.models import AuditEntry\n'
        fake = Source("bot/render/fake.py", "bot.render.fake", source, is_package=False)

        [violation] = import_violations(render_rule, [fake])

        assert str(violation) == "bot/render/fake.py:4: from storage.models import AuditEntry"

    def test_relative_imports_are_resolved(self):
        """``from ..tiktokshop import x`` inside the Tokopedia adapter is another adapter."""
        source = "def f():\n    from ..tiktokshop.errors import brand_safe\n"
        fake = Source(
            "bot/marketplaces/tokopedia/fake.py",
            "bot.marketplaces.tokopedia.fake",
            source,
            is_package=False,
        )

        [violation] = import_violations(marketplace_rule, [fake])

        assert violation.target == "bot.marketplaces.tiktokshop.errors.brand_safe"
        assert violation.line == 2

    def test_own_package_and_domain_are_allowed(self):
        """An adapter may import itself, the clock and the domain."""
        source = (
            "from . import errors\nfrom .client import C\n"
            "from bot.clock import Clock\nfrom bot.domain.errors import ErrorKind\n"
        )
        fake = Source(
            "bot/marketplaces/tokopedia/__init__.py",
            "bot.marketplaces.tokopedia",
            source,
            is_package=True,
        )

        assert import_violations(marketplace_rule, [fake]) == []

    def test_a_posting_call_outside_the_relay_is_caught(self):
        """``context.bot.send_message`` in a handler is reported; the same call in relay is not."""
        source = "async def f(context):\n    await context.bot.send_message(1, 'x')\n"
        handler = Source("handlers/fake.py", "handlers.fake", source, is_package=False)
        relay = Source("bot/relay/fake.py", "bot.relay.fake", source, is_package=False)

        [violation] = posting_violations([handler, relay])

        assert str(violation) == "handlers/fake.py:2: context.bot.send_message(...)"
