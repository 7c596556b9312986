"""The `nashra` command. Parses arguments and configuration, then hands over to the stages.

Exit codes: 0 success, 1 a command that ran but found problems (e.g. a feed check failed), 2 bad usage or
bad configuration (the message names the field), 3 the daemon could not start (database, lock).
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Callable

from nashra import __version__

from .config import Config, ConfigError, load_config

log = logging.getLogger("nashra")
DEFAULT_CONFIG = "feeds.yaml"


def _setup_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%Y-%m-%d %H:%M:%S")
    if verbosity < 1:
        for noisy in ("apscheduler", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nashra",
        description="Nashra polls Arabic news feeds, folds duplicate stories, sorts them into topics and "
                    "republishes them as Atom feeds, a web page and a daily digest.",
        epilog="Run `nashra COMMAND --help` for a command's options. Configuration reference: README.md.",
    )
    parser.add_argument("--config", "-c", type=Path,
                        default=Path(os.environ.get("NASHRA_CONFIG", DEFAULT_CONFIG)),
                        help="configuration file (default: $NASHRA_CONFIG or ./feeds.yaml)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    parser.add_argument("--version", action="version", version=f"nashra {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="run the daemon (poll, store, publish)",
                         description="Poll the configured feeds on their schedules and publish to output_dir.")
    run.add_argument("--once", action="store_true", help="one full cycle over every feed, publish, then exit 0")
    listen = run.add_mutually_exclusive_group()
    listen.add_argument("--listen", metavar="HOST:PORT", help="serve output_dir over HTTP (default: config "
                        "`listen`, 127.0.0.1:8080; not with --once)")
    listen.add_argument("--no-listen", action="store_true", help="do not serve output_dir")

    sub.add_parser("publish", help="rebuild every output from the store")
    status = sub.add_parser("status", help="per-feed health: last success, errors, next check")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    feeds = sub.add_parser("feeds", help="list, check, import or export subscriptions")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    feeds_sub.add_parser("list", help="the configured feeds")
    check = feeds_sub.add_parser("check", help="fetch and parse feeds now (nothing is stored)")
    check.add_argument("names", nargs="*", metavar="NAME_OR_URL", help="only these feeds")
    imp = feeds_sub.add_parser("import-opml", help="add the feeds of an OPML file to the configuration")
    imp.add_argument("file", type=Path)
    exp = feeds_sub.add_parser("export-opml", help="write the configured feeds as OPML")
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")

    digest = sub.add_parser("digest", help="write (and with --send, email) a day's digest",
                            description="Write public/digest/<date>.html, .txt and .eml for one day in the "
                                        "configured time zone. Nothing leaves the machine without --send.")
    digest.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: yesterday, local time)")
    digest.add_argument("--send", action="store_true", help="email it to digest.recipients (once per day each)")

    stories = sub.add_parser("stories", help="stories: the same news from several outlets, folded into one")
    stories_sub = stories.add_subparsers(dest="stories_command", metavar="ACTION", required=True)
    listing = stories_sub.add_parser("list", help="stories with their items, newest first")
    listing.add_argument("--since", metavar="ISO-TIME", help="only stories with items at or after this time "
                         "(e.g. 2026-11-28 or 2026-11-28T06:00+03:00; without a zone: the configured one)")
    listing.add_argument("--limit", type=int, default=200, help="at most this many stories (default 200)")
    listing.add_argument("--json", action="store_true", help="one JSON array of stories")
    split = stories_sub.add_parser("split", help="take an item out of its story, for good")
    split.add_argument("item", metavar="ITEM", help="the item's id (from `stories list`) or its link")
    correct = stories_sub.add_parser(
        "correct", help="say what a story is really about (wins over the classifier, now and in training)")
    correct.add_argument("item", metavar="ITEM", help="an item of the story: its id or its link")
    correct.add_argument("topics", nargs="+", metavar="TOPIC",
                         help="arab_world, international, security (any of them), or none")

    from nashra.classifier.cli import add_arguments as add_classifier_arguments

    add_classifier_arguments(sub)

    demo = sub.add_parser("demo", help="one offline cycle over the sample feeds in seeds/feeds")
    demo.add_argument("--output", type=Path, default=Path("public"), help="where to publish (default: public)")
    demo.add_argument("--database", type=Path, default=Path("var/demo.db"),
                      help="demo database, recreated each run (default: var/demo.db)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(-1 if args.quiet else args.verbose)
    if args.command == "demo":
        from .demo import run_demo

        return run_demo(args.output, args.database)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"nashra: configuration error: {exc}", file=sys.stderr)
        return 2
    handler = {"run": cmd_run, "publish": cmd_publish, "status": cmd_status, "feeds": cmd_feeds,
               "stories": cmd_stories, "digest": cmd_digest, "classifier": cmd_classifier}[args.command]
    try:
        return handler(config, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `nashra feeds list | head`
        sys.stderr.close()
        return 0


def _open_store(config: Config, wait: bool = False):
    """The store, or None after printing why. With `wait` (the daemon), retry until it opens: a database
    locked or down for a while must not turn into a restart loop."""
    import time

    from .store import Store, StoreError

    delay = 1.0
    while True:
        try:
            return Store(config.database, config.database_busy_timeout)
        except StoreError as exc:
            if not wait:
                print(f"nashra: {exc}", file=sys.stderr)
                return None
            log.error("%s; trying again in %.0f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 60.0)


def _with_store(command: Callable[..., int]) -> Callable[[Config, argparse.Namespace], int]:
    """Open the store for a command (exit 3, with the reason, when it cannot be opened) and close it after."""
    @functools.wraps(command)
    def run(config: Config, args: argparse.Namespace) -> int:
        store = _open_store(config)
        if store is None:
            return 3
        try:
            return command(config, args, store)
        finally:
            store.close()

    return run


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    from sqlalchemy import exc as sa_exc

    from .daemon import AlreadyRunning, Daemon, DaemonLock

    lock = DaemonLock(config.database)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 3
    store = _open_store(config, wait=not args.once)
    if store is None:
        return 3
    daemon = Daemon(config, store)
    server = None
    try:
        daemon.install_signal_handlers()
        daemon.sync_feeds(sole_worker=lock.exclusive)
        if args.once:
            try:
                report = daemon.cycle(every_feed=True)
            except sa_exc.OperationalError as exc:
                print(f"nashra: database error: {exc.orig} ({store.display_url})", file=sys.stderr)
                return 3
            print(f"{len(report.outcomes)} feeds polled: {report.new_items} new items, "
                  f"{report.updated_items} updated, {report.errors} failed; output in {config.output_dir}")
            if daemon.publish_error:
                print(f"nashra: outputs not written: {daemon.publish_error}", file=sys.stderr)
                return 1
            return 0
        if not args.no_listen:
            from .serve import start_server

            try:
                server = start_server(config.output_dir, args.listen or config.listen, health=daemon,
                                      metrics=daemon.metrics.render)
            except OSError as exc:
                print(f"nashra: cannot listen on {args.listen or config.listen}: {exc.strerror} "
                      "(use --listen HOST:PORT or --no-listen)", file=sys.stderr)
                return 3
        daemon.run_forever()
        return 0
    finally:
        if server is not None:
            server.shutdown()
        daemon.close()
        store.close()
        lock.release()


@_with_store
def cmd_publish(config: Config, args: argparse.Namespace, store) -> int:
    from .publish import OutputError, publish_all

    try:
        report = publish_all(config, store)
    except OutputError as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 1
    print(f"published {report.entries} entries: " + ", ".join(str(p) for p in report.files))
    return 0


@_with_store
def cmd_status(config: Config, args: argparse.Namespace, store) -> int:
    from .status import feed_health, format_health

    rows = feed_health(store)
    if args.json:
        print(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=2))
    else:
        print(format_health(rows, config.timezone))
    return 0


@_with_store
def cmd_digest(config: Config, args: argparse.Namespace, store) -> int:
    from datetime import date, datetime, timezone

    from .digest import build_digest, previous_day
    from .digest.send import send_digest
    from .publish import OutputError

    try:
        day = date.fromisoformat(args.date) if args.date else previous_day(datetime.now(timezone.utc), config)
    except ValueError:
        print(f"nashra: --date: expected YYYY-MM-DD, got {args.date!r}", file=sys.stderr)
        return 2
    if args.send and not config.digest.recipients:
        print("nashra: --send: no digest.recipients in the configuration", file=sys.stderr)
        return 2
    try:
        files = build_digest(config, store, day)
        print(f"digest {day}: {files.digest.stories} stories from {len(files.digest.outlets)} outlets; "
              f"{files.html}, {files.text.name}, {files.eml.name}")
        if args.send:
            report = send_digest(store, config.digest.smtp, files.message, day, config.digest.recipients)
            print(f"sent to {len(report.sent)}, already sent to {len(report.skipped)}, failed for {len(report.failed)}"
                  + (": " + ", ".join(report.failed) if report.failed else ""))
            return 1 if report.failed else 0
        return 0
    except OutputError as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 1


@_with_store
def cmd_classifier(config: Config, args: argparse.Namespace, store) -> int:
    from nashra.classifier.cli import run

    from .classify import TopicStage, load_corrections, store_examples

    with store.engine.connect() as conn:
        extra = store_examples(conn)
    try:
        extra += load_corrections(config.corrections_path)
    except ValueError as exc:
        print(f"nashra: {exc}", file=sys.stderr)
        return 2
    code = run(args, model_path=config.model_path, extra_examples=extra)
    if code == 0 and args.classifier_command == "train" and args.model in (None, config.model_path):
        from .storycli import republish

        count = TopicStage(config, store).rescore()
        print(f"re-scored {count} stored items")
        return republish(config, store)
    return code


@_with_store
def cmd_stories(config: Config, args: argparse.Namespace, store) -> int:
    from .storycli import correct_story, list_stories, split_story

    if args.stories_command == "split":
        return split_story(config, store, args.item)
    if args.stories_command == "correct":
        return correct_story(config, store, args.item, args.topics)
    return list_stories(config, store, since=args.since, limit=args.limit, as_json=args.json)


def cmd_feeds(config: Config, args: argparse.Namespace) -> int:
    from . import opml

    action = args.feeds_command
    if action == "list":
        for feed in config.feeds:
            extra = "".join(f"  [{k}: {v}]" for k, v in (("section", feed.section), ("encoding", feed.encoding)) if v)
            print(f"{feed.name}\t{feed.url}{extra}")
        print(f"{len(config.feeds)} feeds in {config.path}", file=sys.stderr)
        return 0
    if action == "export-opml":
        data = opml.write_opml(list(config.feeds), config.title)
        if args.output:
            from .publish.output import atomic_write

            atomic_write(args.output, data)
            print(f"wrote {len(config.feeds)} feeds to {args.output}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
        return 0
    if action == "import-opml":
        try:
            candidates = opml.read_opml(args.file.read_bytes(), str(args.file))
        except (OSError, opml.OpmlError) as exc:
            print(f"nashra: {exc}", file=sys.stderr)
            return 2
        report = opml.import_into_config(config.path, candidates, config.feeds)
        for feed in report.added:
            print(f"added: {feed.name} <{feed.url}>")
        for reason in report.skipped:
            print(f"skipped: {reason}")
        print(f"{len(report.added)} feeds added to {config.path}, {len(report.skipped)} skipped")
        return 0
    from .status import check_feeds

    return check_feeds(config, args.names)


if __name__ == "__main__":
    sys.exit(main())
