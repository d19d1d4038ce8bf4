"""Interactive explorers for the chapters that never stall a notebook's execution.

A chapter's explorer lets a reader choose settings with controls and redraws a figure. The
obvious tool, ``ipywidgets.interactive``, draws its first figure while the cell executes, inside
an ``Output`` widget's ``with`` block. A real front end routes that output into the widget; an
executor (nbclient, under papermill and jupyter-book) mimics the front end and sends the widget's
new state back to the kernel on the shell channel, from the task that reads IOPub, while another
task is waiting on that same shell socket for the cell's ``execute_reply``. The zmq socket's
readiness is edge-triggered: the send can consume the notification of the reply, and the waiting
task then sleeps until its timeout (the cell timeout, 600 s by default) before it finds the reply.
The cell "passes", ten minutes late (nbclient issue 312; papermill issue 723).

:func:`explorer` never writes into an ``Output`` widget through the kernel's output capture: it
draws the figure itself, renders it to a PNG and sets the ``Output`` widget's ``outputs`` state
directly, which an executor only records. The first figure is therefore part of the widget's saved
state (the static page shows it as soon as the widget loads), and the explorer's display also
offers that PNG as an ``image/png`` alternative, which builders without widgets (the PDF) show.
Not a part of the paper: a tool of the book.

>>> from ipywidgets import IntSlider
>>> def draw(n):
...     print(f"{n} points")
...     fig, ax = plt.subplots(figsize=(2, 2))
...     ax.plot(range(n))
...     return fig
>>> box = explorer(draw, n=IntSlider(value=3, min=1, max=9))
>>> [o["output_type"] for o in box.output.outputs]
['stream', 'display_data']
>>> box.controls[0].value = 5   # a reader moves the slider: the figure is drawn again
>>> box.output.outputs[0]["text"]
'5 points\\n'
>>> sorted(box._repr_mimebundle_())[:2]
['application/vnd.jupyter.widget-view+json', 'image/png']
"""

from __future__ import annotations

import base64
import contextlib
import io
import traceback
from collections.abc import Callable

import ipywidgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def figure_png(fig: Figure) -> bytes:
    """The PNG bytes of ``fig`` at its own resolution, trimmed like the inline backend's."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    return buffer.getvalue()


def _png_output(png: bytes, caption: str) -> dict:
    """A ``display_data`` output (nbformat 4) holding a PNG image."""
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": caption},
        "metadata": {},
    }


class Explorer(ipywidgets.VBox):
    """Controls above an ``Output`` area that shows what ``draw`` returns for their values.

    Build it with :func:`explorer`. ``controls`` are the control widgets, ``output`` the area,
    ``png`` the last figure drawn (bytes, or None when the last draw gave no figure).
    """

    def __init__(self, draw: Callable, controls: dict, fixed: dict):
        self._draw, self._names, self._fixed = draw, list(controls), dict(fixed)
        self.controls = list(controls.values())
        self.output = ipywidgets.Output()
        self.png: bytes | None = None
        super().__init__(children=[*self.controls, self.output])
        self.update(raise_errors=True)  # the first figure: an error here fails the cell
        for control in self.controls:
            control.observe(lambda _change: self.update(), names="value")

    def values(self) -> dict:
        """The current keyword arguments of ``draw``."""
        values = {name: c.value for name, c in zip(self._names, self.controls, strict=True)}
        return {**values, **self._fixed}

    def update(self, raise_errors: bool = False) -> None:
        """Draw again for the current values and show the result in ``output``."""
        before = set(plt.get_fignums())
        text = io.StringIO()
        outputs, self.png, result = [], None, None
        try:
            with contextlib.redirect_stdout(text):
                result = self._draw(**self.values())
            figures = [result] if isinstance(result, Figure) else []
            # A draw that made its figure with pyplot but did not return it is shown too.
            figures += [plt.figure(n) for n in sorted(set(plt.get_fignums()) - before)]
            for fig in dict.fromkeys(figures):  # each figure once, in order
                self.png = figure_png(fig)
                outputs.append(_png_output(self.png, f"<{fig.get_label() or 'figure'}>"))
        except Exception:
            if raise_errors:
                raise
            outputs.append(
                {"output_type": "stream", "name": "stderr", "text": traceback.format_exc()}
            )
        finally:
            for n in set(plt.get_fignums()) - before:  # never left for the inline backend
                plt.close(n)
            if isinstance(result, Figure):
                plt.close(result)
        if text.getvalue():
            outputs.insert(0, {"output_type": "stream", "name": "stdout", "text": text.getvalue()})
        self.output.outputs = tuple(outputs)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        if self.png is not None:  # for front ends and builders without widgets (the PDF)
            bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle


def explorer(draw: Callable, /, **controls) -> Explorer:
    """An explorer calling ``draw(**values)`` whenever a control changes; display it to show it.

    Each keyword is a control widget (its ``value`` is passed under that name) or a fixed value.
    ``draw`` returns a matplotlib Figure (or draws one with pyplot); what it prints is shown above
    the figure. It is called once at once, so the widget's saved state holds the first figure.
    Unlike ``ipywidgets.interactive`` it never captures kernel output into the widget, which can
    stall an executing notebook for the whole cell timeout (see the module's docstring).
    """
    widgets = {k: v for k, v in controls.items() if isinstance(v, ipywidgets.ValueWidget)}
    fixed = {k: v for k, v in controls.items() if k not in widgets}
    return Explorer(draw, widgets, fixed)
