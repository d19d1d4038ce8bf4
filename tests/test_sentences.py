"""Computed sentences shown as Markdown lists (lithm.sentences): what a reader of the book sees
must be the sentence the store computed, character for character, as a list item."""

import pytest

from lithm.sentences import Sentences, say

TRICKY = [
    "FCN − CNN at 30 %: ours 0.012, 95 % interval -0.004 to 0.020 (2 folds; book scale); "
    "reproduces: within 0.02 of the paper's 0.009.",
    "init='conv' vs init_keras: *not* [a link](x) <b>tag</b> | pipe $x$ `code` # no heading "
    "{term} ~~struck~~",
    "- 0.3 points, a sentence that starts like a nested list item.",
    "2. starts like a numbered item; 2 folds do not.",
]


def _rendered_items(markdown: str) -> list[str]:
    """The text of each list item as the book's output renderer reads it."""
    markdown_it = pytest.importorskip("markdown_it")
    # the book renders outputs as GFM: CommonMark with tables and ~~strikethrough~~
    tokens = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)
    items, inside = [], False
    for token in tokens:
        if token.type == "list_item_open":
            inside = True
        elif token.type == "inline" and inside:
            # only text children: any emphasis, link, code or html token means markup leaked
            assert {child.type for child in token.children} <= {"text", "softbreak"}, token.children
            items.append("".join(child.content for child in token.children))
            inside = False
    return items


@pytest.mark.parametrize("numbered", [False, True])
def test_markdown_list_renders_every_sentence_verbatim(numbered):
    markdown = Sentences(TRICKY, numbered=numbered)._repr_markdown_()
    assert _rendered_items(markdown) == TRICKY
    assert markdown.startswith("1. " if numbered else "- ")


def test_lead_line_and_empty_list():
    shown = Sentences(["one."], lead="For the FCNs initialised like a convolution (init='conv'):")
    assert shown._repr_markdown_().splitlines()[0].startswith("For the FCNs")
    assert _rendered_items(shown._repr_markdown_()) == ["one."]
    empty = Sentences([], empty="Nothing contradicts the paper.")
    assert empty._repr_markdown_() == "Nothing contradicts the paper." == str(empty)
    assert Sentences(["", "  "]).items == []


def test_plain_text_wraps_with_a_hanging_indent():
    text = str(Sentences([TRICKY[0]], width=40))
    lines = text.splitlines()
    assert len(lines) > 2 and all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("- ") and all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines).removeprefix("- ") == TRICKY[0]


def test_say_prints_outside_a_notebook_and_accepts_one_sentence(capsys):
    assert say("A single computed sentence.") is None  # a cell's last line must not show it twice
    assert capsys.readouterr().out == "- A single computed sentence.\n"
    say((s for s in ("a.", "b.")), numbered=True)
    assert capsys.readouterr().out == "1. a.\n2. b.\n"


def test_say_in_a_notebook_shows_one_markdown_list(tmp_path):
    """In a kernel, as the last line of a cell: one Markdown output, no second copy as the value."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    source = "from lithm.sentences import say\nsay(['a *starred* sentence.', 'another.'])"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["display_data"]
    assert outputs[0]["data"]["text/markdown"] == "- a \\*starred\\* sentence.\n- another."
    assert outputs[0]["data"]["text/plain"].startswith("- a *starred* sentence.")
