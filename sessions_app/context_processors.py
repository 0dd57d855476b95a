"""The header's campaign switcher, computed only when a page's header shows it."""

from django.utils.functional import SimpleLazyObject

from core.registries import collect_open_work

from .campaigns import SESSION_KEY, choices_for


class CampaignSwitcher:
    """The campaigns a user may switch between, in the order pages choose them, and what is still
    open in each (last year's retakes beside this year's work)."""

    def __init__(self, request) -> None:
        user = request.user
        self.choices = choices_for(request, user) if not user.is_student else []
        ids = [choice.campaign.pk for choice in self.choices]
        chosen = request.session.get(SESSION_KEY)
        if chosen not in ids:
            chosen = ids[0] if ids else None  # ranked: the one a page opens on without a choice
        self.current_pk = chosen
        self.work = collect_open_work(user, ids) if len(ids) > 1 else []
        names = {choice.campaign.pk: choice for choice in self.choices}
        self.work_rows = [(names[item.campaign_id], item) for item in self.work if item.campaign_id in names]

    @property
    def shown(self) -> bool:
        return len(self.choices) > 1


def campaign_switcher(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"campaign_switcher": SimpleLazyObject(lambda: CampaignSwitcher(request))}
