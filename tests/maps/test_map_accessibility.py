"""Keyboard users reach the map's areas with Tab: each one must say what it is."""

import json
import re

from maps import builders
from tests.maps.test_png_legend import map_input


def test_every_area_of_the_map_carries_an_accessible_name_and_the_script_gives_it_to_its_shape():
    parts = builders.build_map(map_input("rate"))
    script = parts["script"]

    features = json.loads(re.search(r'"features": (\[.*?\]), "type": "FeatureCollection"', script).group(1))
    labels = {f["properties"]["code"]: f["properties"]["label"] for f in features}
    assert labels == {"01101": "中央区 加入率（%） 90.00%", "01102": "北区 加入率（%） 60.00%"}
    assert 'setAttribute("aria-label", layer.feature.properties.label)' in script
    # The map itself (a focusable box for Leaflet's keyboard panning) is named too.
    assert 'getContainer().setAttribute("aria-label"' in script
