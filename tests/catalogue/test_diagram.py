"""The workflow diagram: layered, every state and transition drawn once, text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # parses our own generated SVG, not outside input

from smartgov.catalogue import diagram
from smartgov.catalogue import workflow as wf

from .test_workflow import LICENCE

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, checked for well-formedness


def test_layers_put_final_states_last():
    layers = diagram.layers(LICENCE)
    assert layers["submitted"] == 0 and layers["review"] == 1
    assert layers["approved"] == layers["rejected"] == max(layers.values())


def test_every_state_and_transition_is_drawn_once_as_valid_svg():
    svg = diagram.render(LICENCE, "en", "Licence")
    root = parse(svg)
    states = root.findall(".//svg:g[@data-state]", NS)
    assert sorted(g.get("data-state") for g in states) == sorted(s["id"] for s in LICENCE["states"])
    assert len(root.findall(".//svg:g[@class='transition']", NS)) == len(LICENCE["transitions"])


def test_arrows_that_skip_a_layer_run_above_the_boxes():
    definition = wf.template("tax", 5)  # "refuse" goes from the start straight to the final layer
    root = parse(diagram.render(definition, "en", "x"))
    boxes_top = min(float(r.get("y")) for r in root.findall(".//svg:rect", NS))
    refuse = next(g for g in root.findall(".//svg:g[@class='transition']", NS)
                  if g.find("svg:title", NS).text.startswith("Refuse"))
    lane = float(re.findall(r"L [\d.]+ ([\d.]+)", refuse.find("svg:path", NS).get("d"))[0])
    assert lane < boxes_top


def test_labels_are_escaped():
    definition = wf.template("tax", 5)
    definition["states"][1]["label"] = {"en": "<script>alert(1)</script>"}
    svg = diagram.render(definition, "en", "x")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    parse(svg)
