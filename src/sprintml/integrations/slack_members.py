"""Which current team member a Slack user is: an indexed look-up in the log, confirmed by a fold."""

from dataclasses import dataclass

from sprintml.application import TEAM, CommandHandler

# Every team whose stream ever had this Slack user join, newest first. The fold below is the
# judge: a member may have left since, or joined again under another member id.
_TEAMS_JOINED_SQL = """
SELECT DISTINCT ON (stream_id) stream_id, position
FROM events
WHERE type = 'MemberJoined' AND data ->> 'slack_user_id' = $1 AND starts_with(stream_id, 'team-')
ORDER BY stream_id, position DESC
"""


@dataclass(frozen=True)
class SlackMember:
    """A Slack user as a current member of one team."""

    team_id: str
    team_name: str
    member_id: str
    name: str


async def members_for_slack_user(handler: CommandHandler, slack_user_id: str) -> list[SlackMember]:
    """Every team where `slack_user_id` is a current member (usually one), most recently joined first."""
    rows = await handler.store.pool.fetch(_TEAMS_JOINED_SQL, slack_user_id)
    found: list[SlackMember] = []
    for row in sorted(rows, key=lambda row: int(row["position"]), reverse=True):
        team_id = str(row["stream_id"]).removeprefix("team-")
        state = (await handler.load(TEAM, team_id)).state
        for member in state.members.values():
            if member.slack_user_id == slack_user_id:
                found.append(
                    SlackMember(team_id=team_id, team_name=state.name, member_id=member.member_id, name=member.name)
                )
    return found
