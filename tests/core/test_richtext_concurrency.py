"""forum.core.richtext under concurrency: daphne renders posts on a thread pool.

The review found one shared `bleach.Cleaner` mixing the text of posts rendered at the same moment
(87 of 320 outputs wrong with 8 threads): restricted text stored in public posts, empty posts, 500s.
Each renderer here is driven from 8 threads at once on distinct inputs, and every output must equal
the same input rendered alone.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from forum.core import richtext

THREADS = 8
ROUNDS = 40
MENTIONS = {"ali": "/me/u/1/", "سارة": "/me/u/2/"}


def distinct_source(worker: int, round_: int) -> str:
    """A post that exercises every filter (dir, links, rel, mentions, code) and names its writer."""
    secret = f"secret-{worker}-{round_}"
    return (
        f"# {secret} title\n\n"
        f"**{secret}** paragraph with https://example.org/{secret} and @ali, سلام @[سارة]\n\n"
        f"- item {secret}\n- [link](https://example.net/{secret}) <b>{secret}</b>\n\n"
        f"> quoted {secret}\n\n"
        f"```\ncode {secret}\n```\n\n"
        + "filler text " * (worker * 7 + round_ % 5)
    )


RENDERERS = {
    "render_post": lambda source: richtext.render_post(source, mentions=MENTIONS),
    "render_preview": lambda source: richtext.render_preview(source, mentions=MENTIONS),
    "render_chat": lambda source: richtext.render_chat(source, mentions=MENTIONS),
    "sanitise_html": lambda source: richtext.sanitise_html(f"<p onclick=x>{source}</p><script>{source}</script>"),
    "mention_keys": lambda source: sorted(richtext.mention_keys(source)),
    "quoted_post_ids": lambda source: sorted(richtext.quoted_post_ids(source + "\n\n> [w](/t/post/7/):\n> x")),
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_renderer_gives_each_thread_its_own_result_when_called_at_once(name):
    render = RENDERERS[name]
    sources = {(w, r): distinct_source(w, r) for w in range(THREADS) for r in range(ROUNDS)}
    alone = {key: render(source) for key, source in sources.items()}
    barrier = threading.Barrier(THREADS)

    def worker(w: int) -> list[tuple[tuple[int, int], object]]:
        barrier.wait()  # start together so the calls overlap
        return [((w, r), render(sources[(w, r)])) for r in range(ROUNDS)]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [item for batch in pool.map(worker, range(THREADS)) for item in batch]

    wrong = [key for key, output in results if output != alone[key]]
    assert len(results) == THREADS * ROUNDS
    assert wrong == [], f"{len(wrong)} of {len(results)} concurrent outputs differ from the same input alone"


def test_rendered_post_names_only_its_own_writer_when_rendered_concurrently():
    """The leak the review saw: another post's text inside this one. Checked on the text itself."""
    barrier = threading.Barrier(THREADS)

    def worker(w: int) -> list[str]:
        barrier.wait()
        return [richtext.render_post(distinct_source(w, r)) for r in range(ROUNDS)]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for w, outputs in enumerate(pool.map(worker, range(THREADS))):
            for r, html in enumerate(outputs):
                others = {f"secret-{o}-" for o in range(THREADS) if o != w}
                assert f"secret-{w}-{r}" in html
                assert not any(other in html for other in others)
