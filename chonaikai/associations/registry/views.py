"""The register of associations for ward offices: register, edit, dissolve, merge.

Every page starts from the policy: policy.get_ward_for_edit / get_association_for_edit answer 404
for anything outside the user's scope, whether it exists or not. The services check the scope again
inside their transaction, so a forged request gets no further than the page would.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy

from ..models import Association
from . import services as registry
from .forms import AssociationForm, DissolveForm, MergeForm, add_service_errors
from .selectors import next_association_code


@login_required
@require_GET
def registry_home(request):
    """The wards the user works on, with what can be done for each."""
    wards = list(policy.wards_editable_by(request.user).order_by("code"))
    if not wards:
        raise Http404
    return render(request, "registry/home.html", {"wards": wards})


@login_required
@require_http_methods(["GET", "POST"])
def association_create(request, ward_code: str):
    ward = policy.get_ward_for_edit(request.user, ward_code)
    form = AssociationForm(
        request.POST if request.method == "POST" else None,
        instance=Association(ward=ward),
        ward=ward,
        include_personal=policy.can_view_personal_data(request.user, Association(ward=ward)),
        creating=True,
        initial={"code": next_association_code(ward)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            association = registry.association_create(
                actor=request.user,
                ward=ward,
                code=form.cleaned_data["code"],
                values=form.values(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%(name)sを登録しました。") % {"name": association.name})
            return redirect("associations:detail", code=association.code)
    return render(request, "registry/association_form.html", {"form": form, "ward": ward, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def association_edit(request, code: str):
    association = association_policy.get_association_for_edit(request.user, code)
    form = AssociationForm(
        request.POST if request.method == "POST" else None,
        instance=association,
        ward=association.ward,
        include_personal=policy.can_view_personal_data(request.user, association),
        creating=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            registry.association_update(
                actor=request.user,
                association_id=association.pk,
                values=form.values(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("変更を保存しました。"))
            return redirect("associations:detail", code=association.code)
    # The form shows the representative and contacts where the policy allows (it checks again).
    policy.log_personal_data_access(request.user, association, "associations:edit")
    return render(
        request,
        "registry/association_form.html",
        {"form": form, "ward": association.ward, "association": association, "creating": False},
    )


@login_required
@require_http_methods(["GET", "POST"])
def association_dissolve(request, code: str):
    association = association_policy.get_association_for_edit(request.user, code)
    form = DissolveForm(
        request.POST if request.method == "POST" else None, initial={"dissolved_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            registry.association_dissolve(
                actor=request.user,
                association_id=association.pk,
                dissolved_on=form.cleaned_data["dissolved_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%(name)sを解散として記録しました。") % {"name": association.name})
            return redirect("associations:detail", code=association.code)
    return render(request, "registry/dissolve.html", {"form": form, "association": association})


@login_required
@require_http_methods(["GET", "POST"])
def association_merge(request, ward_code: str):
    """Merge associations of one ward; ?predecessors=<code> (repeatable) ticks them in advance."""
    ward = policy.get_ward_for_edit(request.user, ward_code)
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        ward=ward,
        suggested_code=next_association_code(ward),
        initial={"predecessors": request.GET.getlist("predecessors"), "merged_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_successor = form.new_successor()
        try:
            successor = registry.association_merge(
                actor=request.user,
                predecessor_ids=[a.pk for a in data["predecessors"]],
                merged_on=data["merged_on"],
                successor_id=data["successor"].pk if new_successor is None else None,
                new_successor=new_successor,
                comment=data["comment"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(
                request,
                _("%(count)d件の町内会を%(name)sに合併しました。")
                % {"count": len(data["predecessors"]), "name": successor.name},
            )
            return redirect("associations:detail", code=successor.code)
    return render(request, "registry/merge.html", {"form": form, "ward": ward})
