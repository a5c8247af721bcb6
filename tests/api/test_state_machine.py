"""Random ceremony sequences through the API: never a 5xx, failures write nothing, reads agree with a fold."""

from typing import Any

import msgspec
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sprintml.domain import sprint as sprint_domain
from sprintml.domain.catalog import decode_event
from sprintml.domain.impediment import ImpedimentState
from sprintml.domain.impediment import evolve as evolve_impediment
from sprintml.domain.impediment import initial_state as initial_impediment
from tests.api.conftest import Client, unique_id

Auth = dict[str, dict[str, str]]
Step = tuple[str, dict[str, Any]]

ITEMS = ["i0", "i1", "i2", "ghost"]  # i2 has no estimate; ghost does not exist; zed is on no team
DATES = ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-11", "2026-12-12"]
IMPEDIMENTS = [0, 1, 2, -1]  # indexes into the impediments raised so far; -1 names none
ALLOWED = {200, 201, 404, 409, 412, 422}

# Valid choices are drawn more often than invalid ones, so sequences get deep into a sprint.
item_ids = st.lists(st.sampled_from(["i0", "i1", "i0", "i1", "i2", "ghost"]), unique=True, max_size=2)
committed_ids = st.lists(st.sampled_from(["i0", "i1", "i0", "i1", "i2", "ghost"]), unique=True, min_size=1, max_size=2)
texts = st.sampled_from(["ok", "GPU quota", "é" * 3, "ok", "", "  ", "nul\u0000"])
members = st.sampled_from(["ana", "bo", "ana", "bo", "zed"])

steps: st.SearchStrategy[Step] = st.one_of(
    st.tuples(st.just("commit"), st.fixed_dictionaries({"item_ids": committed_ids})),
    st.tuples(st.just("start"), st.just({})),
    st.tuples(
        st.just("standup"),
        st.fixed_dictionaries(
            {
                "date": st.sampled_from(DATES),
                "entries": st.lists(
                    st.fixed_dictionaries({"member_id": members, "blockers": st.lists(texts, max_size=2)}),
                    min_size=1,
                    max_size=2,
                ),
            }
        ),
    ),
    st.tuples(
        st.just("progress"),
        st.fixed_dictionaries(
            {
                "item": st.sampled_from(ITEMS),
                "status": st.sampled_from(["todo", "in_progress", "done", "done", "blocked"]),
                "remaining_points": st.one_of(st.none(), st.none(), st.integers(-1, 6)),
            }
        ),
    ),
    st.tuples(st.just("scope"), st.fixed_dictionaries({"add": item_ids, "remove": item_ids})),
    st.tuples(st.just("review"), st.fixed_dictionaries({"accepted_item_ids": item_ids, "feedback": st.lists(texts)})),
    st.tuples(
        st.just("retro"),
        st.fixed_dictionaries(
            {
                "went_well": st.lists(texts, max_size=2),
                "action_items": st.lists(
                    st.fixed_dictionaries({"title": st.just("fix CI"), "owner": members}),
                    max_size=2,
                ),
            }
        ),
    ),
    st.tuples(st.just("close"), st.just({})),
    st.tuples(
        st.just("raise"),
        st.fixed_dictionaries({"title": texts, "severity": st.sampled_from(["low", "critical", "medium", "dire"])}),
    ),
    st.tuples(
        st.sampled_from(["acknowledge", "escalate", "resolve", "reopen"]),
        st.fixed_dictionaries({"which": st.sampled_from(IMPEDIMENTS)}),
    ),
)
# Each step may carry an If-Match: none, the stream's current version, or a stale one.
if_matches = st.sampled_from([None, None, None, "current", "stale"])


class World:
    """One team, its backlog and one sprint, made fresh for each example."""

    def __init__(self, client: Client, auth: Auth) -> None:
        self.client = client
        self.auth = auth
        self.sm = auth["scrum_master"]
        self.team = unique_id("team")
        self.sprint = unique_id("s")
        self.items: dict[str, str] = {name: unique_id(name) for name in ITEMS}
        self.impediments: list[str] = []

    async def build(self) -> None:
        c, sm, member = self.client, self.sm, self.auth["member"]
        assert (await c.post("/teams", json={"id": self.team, "name": "Random"}, headers=sm)).status_code == 201
        for m in ("ana", "bo"):
            body = {"member_id": m, "name": m, "role": "ml_engineer", "hours_per_day": 6}
            assert (await c.post(f"/teams/{self.team}/members", json=body, headers=sm)).status_code == 201
        for name, points in (("i0", 3), ("i1", 5), ("i2", None)):
            item = self.items[name]
            body = {"item_id": item, "title": name}
            assert (await c.post(f"/teams/{self.team}/backlog", json=body, headers=member)).status_code == 201
            if points is not None:
                votes = {"votes": {"ana": points, "bo": points}}
                r = await c.post(f"/teams/{self.team}/backlog/{item}/estimates", json=votes, headers=member)
                assert r.status_code == 201, r.text
        plan = {"sprint_id": self.sprint, "name": "S", "start_date": "2026-11-30", "end_date": "2026-12-11"}
        assert (await c.post(f"/teams/{self.team}/sprints", json=plan, headers=sm)).status_code == 201

    def ids(self, names: list[str]) -> list[str]:
        return [self.items[name] for name in names]

    def impediment(self, which: int) -> str:
        return self.impediments[which] if 0 <= which < len(self.impediments) else "no-such-impediment"

    def request(self, name: str, args: dict[str, Any]) -> tuple[str, Any, str]:
        """(path, body, stream written) for one step."""
        sprint = f"/sprints/{self.sprint}"
        stream = f"sprint-{self.sprint}"
        match name:
            case "commit":
                return f"{sprint}/commitments", {"item_ids": self.ids(args["item_ids"])}, stream
            case "start" | "close":
                return f"{sprint}/{name}", None, stream
            case "standup":
                return f"{sprint}/standups", args, stream
            case "progress":
                body = {k: v for k, v in args.items() if k != "item" and v is not None}
                return f"{sprint}/items/{self.items[args['item']]}/progress", body, stream
            case "scope":
                return (
                    f"{sprint}/scope-changes",
                    {"add": self.ids(args["add"]), "remove": self.ids(args["remove"])},
                    stream,
                )
            case "review":
                body = {"accepted_item_ids": self.ids(args["accepted_item_ids"]), "feedback": args["feedback"]}
                return f"{sprint}/review", body, stream
            case "retro":
                return f"{sprint}/retrospective", args, stream
            case "raise":
                impediment = unique_id("imp")
                return (
                    f"/teams/{self.team}/impediments",
                    {"impediment_id": impediment, **args},
                    f"impediment-{impediment}",
                )
            case _:
                impediment = self.impediment(args["which"])
                return f"/impediments/{impediment}/{name}", None, f"impediment-{impediment}"

    async def events(self, stream_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        query = "?limit=1000"
        while True:
            r = await self.client.get(f"/streams/{stream_id}{query}", headers=self.auth["admin"])
            if r.status_code == 404:
                return events
            assert r.status_code == 200, r.text
            page = r.json()
            events.extend(page["events"])
            if page["next"] is None:
                return events
            query = f"?limit=1000&after={page['next']}"

    async def version(self, stream_id: str) -> int:
        events = await self.events(stream_id)
        return events[-1]["version"] if events else 0

    async def step(self, name: str, args: dict[str, Any], if_match: str | None) -> None:
        path, body, stream = self.request(name, args)
        before = await self.version(stream)
        impediments_before = await self.open_impediments()
        headers = dict(self.sm)
        if name == "resolve":
            headers = dict(self.auth["member"])
        if if_match is not None:
            headers["If-Match"] = f'"{before if if_match == "current" else before + 1}"'
        r = await self.client.post(path, json=body, headers=headers)
        assert r.status_code in ALLOWED, (name, body, r.status_code, r.text)
        after = await self.version(stream)
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert after == before, (name, body, r.text)  # a refused command writes nothing
            assert await self.open_impediments() == impediments_before
            return
        assert if_match != "stale", (name, r.text)
        assert r.json()["version"] == after
        assert r.headers["etag"] == f'"{after}"'
        if name == "raise":
            self.impediments.append(r.json()["id"])
        if name == "standup":
            self.impediments.extend(r.json()["impediment_ids"])

    async def open_impediments(self) -> int:
        r = await self.client.get(f"/teams/{self.team}", headers=self.auth["viewer"])
        assert r.status_code == 200, r.text
        count: int = r.json()["open_impediments"]
        return count

    async def check_reads_agree_with_a_fold(self) -> None:
        recorded = await self.events(f"sprint-{self.sprint}")
        folded = sprint_domain.fold(decode_event(e["type"], _raw(e["data"])) for e in recorded)
        r = await self.client.get(f"/sprints/{self.sprint}", headers=self.auth["viewer"])
        assert r.status_code == 200, r.text
        board = r.json()
        assert board["version"] == len(recorded) == recorded[-1]["version"]
        assert r.headers["etag"] == f'"{board["version"]}"'
        assert board["status"] == folded.status
        assert board["items"] == [
            {"item_id": i.item_id, "status": i.status, "points": i.points, "remaining_points": i.remaining_points}
            for i in folded.items.values()
        ]
        assert board["committed_points"] == folded.committed_points
        assert board["capacity_hours"] == folded.capacity_hours
        assert board["capacity_points"] == folded.capacity_points
        assert board["over_capacity"] == folded.over_capacity
        assert board["committed_points"] == sum(i.points for i in folded.items.values())
        open_count = 0
        for impediment in self.impediments:
            state: ImpedimentState = initial_impediment()
            for e in await self.events(f"impediment-{impediment}"):
                state = evolve_impediment(state, decode_event(e["type"], _raw(e["data"])))
            open_count += state.status != "resolved"
        assert await self.open_impediments() == open_count


def _raw(data: Any) -> bytes:
    return msgspec.json.encode(data)


@settings(
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(st.tuples(steps, if_matches), min_size=1, max_size=15))
@example(  # a whole sprint, so the fold is checked at least once on every kind of event
    script=[
        (("commit", {"item_ids": ["i0", "i1"]}), "current"),
        (("start", {}), None),
        (("standup", {"date": "2026-12-01", "entries": [{"member_id": "ana", "blockers": ["quota"]}]}), None),
        (("progress", {"item": "i0", "status": "done", "remaining_points": None}), None),
        (("progress", {"item": "i1", "status": "in_progress", "remaining_points": 2}), None),
        (("scope", {"add": [], "remove": ["i1"]}), None),
        (("review", {"accepted_item_ids": ["i0"], "feedback": ["good"]}), None),
        (("retro", {"went_well": ["pairing"], "action_items": [{"title": "fix CI", "owner": "bo"}]}), None),
        (("acknowledge", {"which": 0}), None),
        (("resolve", {"which": 0}), "stale"),
        (("resolve", {"which": 0}), None),
        (("close", {}), None),
    ]
)
async def test_random_ceremonies_never_fail_and_the_board_is_a_fold_of_the_stream(
    client: Client, auth: Auth, script: list[tuple[Step, str | None]]
) -> None:
    world = World(client, auth)
    await world.build()
    for (name, args), if_match in script:
        await world.step(name, args, if_match)
    await world.check_reads_agree_with_a_fold()
