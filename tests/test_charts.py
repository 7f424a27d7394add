import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from earlyhelp.charts import coverage_chart, fte_chart

SHARE = pd.Series({"Ashdale": 0.95, "Brookby": 0.60, "Cartown": 0.90})
CHILDREN = pd.Series({"Ashdale": 1000, "Brookby": 500, "Cartown": 500})


def _texts(fig):
    return [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_title_states_the_county_share_and_the_lowest_area():
    fig = coverage_chart(SHARE, CHILDREN, limit_minutes=30, reached="a centre", source="Source: test")
    title = fig.texts[0].get_text().replace("\n", " ")
    assert "85% of children live within a 30-minute walk of a centre" in title  # (950+300+450)/2000
    assert "Brookby is lowest at 60%" in title


def test_bars_run_from_lowest_access_at_the_top_and_say_how_many_are_beyond():
    fig = coverage_chart(SHARE, CHILDREN, limit_minutes=30, reached="a centre", source="Source: test")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Ashdale", "Cartown", "Brookby"]  # barh draws the first row at the bottom
    assert "60%  (200 beyond)" in _texts(fig)


def test_the_footnote_carries_the_sources_and_the_axis_its_unit():
    fig = coverage_chart(SHARE, CHILDREN, limit_minutes=20, reached="a centre", source="Sources: ONS")
    assert any("Sources: ONS" in t for t in _texts(fig))
    assert "(%)" in fig.axes[0].get_xlabel() and "20-minute" in fig.axes[0].get_xlabel()


FOOTPRINTS = pd.DataFrame({"fte_frontline": [95.0, 79.0], "fte_management": [5.5, 4.5],
                           "fte_support": [5.5, 4.5]},
                          index=["Chorley, South Ribble and West Lancashire", "Preston"])


def test_the_fte_chart_keeps_long_footprint_names_inside_the_page():
    fig = fte_chart(FOOTPRINTS, source="Source: test")
    renderer = FigureCanvasAgg(fig).get_renderer()
    labels = fig.axes[0].get_yticklabels()
    assert [t.get_text().replace("\n", " ") for t in labels] == [
        "Preston", "Chorley, South Ribble and West Lancashire"]
    assert all(t.get_window_extent(renderer).x0 >= 0 for t in labels)


def test_the_fte_chart_writes_whole_posts_without_a_decimal_and_parts_with_one():
    title = fte_chart(FOOTPRINTS, source="Source: test").texts[0].get_text().replace("\n", " ")
    assert title.startswith("194 FTE, 174 of them frontline (89.7%)")
    assert "Chorley, South Ribble and West Lancashire has the most (106)" in title
    assert " 88" in _texts(fte_chart(FOOTPRINTS, source="Source: test"))
    halves = FOOTPRINTS.assign(fte_support=[5.5, 4.75])
    assert " 88.2" in _texts(fte_chart(halves, source="Source: test"))
