"""`evalkit cache stats|clear`: inspect or empty the response cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from evalkit.llm.cache import ResponseCache
from evalkit.spec.project import find_project_root

_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache directory (default: .evalkit/cache under the project root).",
)


def _cache(cache_dir: Path | None) -> ResponseCache:
    return ResponseCache(cache_dir or find_project_root(Path.cwd()) / ".evalkit" / "cache")


@contextmanager
def _readable(store: ResponseCache) -> Iterator[ResponseCache]:
    """A damaged or foreign file where the cache should be is one line naming it, not a traceback."""
    try:
        yield store
    except sqlite3.DatabaseError as exc:  # includes OperationalError (locked, unreadable)
        raise click.ClickException(f"{store.path}: cannot use the response cache: {exc}") from None
    finally:
        store.close()


@click.group()
def cache() -> None:
    """Inspect or clear the model response cache."""


@cache.command()
@_dir_option
def stats(cache_dir: Path | None) -> None:
    """Show entries and size, per role and per model."""
    store = _cache(cache_dir)
    if not store.path.exists():
        click.echo(f"no cache at {store.path}")
        return
    with _readable(store):
        info = store.stats()
    click.echo(f"{info.path}: {info.entries} entries, {info.size_bytes / 1024:.1f} KiB")
    for title, counts in (("role", info.by_role), ("model", info.by_model)):
        for name, count in sorted(counts.items()):
            click.echo(f"  {title} {name}: {count}")


@cache.command()
@_dir_option
@click.option("--role", default=None, help="Only remove entries of this call role (agent, simulator, judge).")
def clear(cache_dir: Path | None, role: str | None) -> None:
    """Remove cached responses."""
    store = _cache(cache_dir)
    if not store.path.exists():
        click.echo(f"no cache at {store.path}")
        return
    with _readable(store):
        removed = store.clear(role)
    click.echo(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {store.path}")


commands: list[click.Command] = [cache]
