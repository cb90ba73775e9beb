# html_planned.py REPORT.json REPORT.html : the `danelab mta ADAPTER --retry
# --schedule PROFILE` HTML report's attempts' table of every scenario has
# the column "planned" (third), and each row's cell is that attempt's
# retry.attempts[].planned of the JSON report of the same run, written
# +DdHHhMM ("" where the JSON has none: an attempt past the schedule's
# end). Without --schedule (no retry.schedule) the column must be absent.
# Exits 1 with the reason on the first failure.
import json
import sys
import xml.etree.ElementTree as ET

NS = {"h": "http://www.w3.org/1999/xhtml"}


def after(t):
    return "+%dd%02dh%02d" % (t // 86400, t % 86400 // 3600, t % 3600 // 60)


def check(s, html):
    div = [x for x in html.iterfind(".//h:div[@class='scen']", NS)
           if x.find("h:h3/h:a", NS).text == s["name"]][0]
    rows = div.findall(".//h:table[@class='attempts']/h:tr", NS)
    head = [x.text for x in rows[0]]
    att = s["retry"]["attempts"]
    assert len(rows) == len(att) + 1, (len(rows), len(att))
    if "schedule" not in s["retry"]:
        assert "planned" not in head, head
        return "no schedule, no column planned"
    assert head[:3] == ["#", "at", "planned"], head
    for row, a in zip(rows[1:], att):
        want = after(a["planned"]) if "planned" in a else None
        assert row[2].text == want, (row[0].text, row[2].text, want)
    return "%d attempts, each planned as in the JSON" % len(att)


d = json.load(open(sys.argv[1]))
page = ET.parse(sys.argv[2]).getroot()
for s in d["scenarios"]:
    try:
        print("%s: %s" % (s["name"], check(s, page)))
    except (AssertionError, IndexError, KeyError) as e:
        print("%s: %s" % (s["name"], e))
        sys.exit(1)
