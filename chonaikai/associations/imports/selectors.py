"""Reads of the counts import: the upload a user may reach."""

from __future__ import annotations

import uuid

from ..models import CountsUpload


def counts_upload_for(user, upload_id) -> CountsUpload:
    """The counts upload with this id if `user` may reach it; Http404 whatever the reason it cannot.

    Only its owner may (CountsUpload.objects.visible_to), and only while they may still import for
    its ward (for a city-wide upload: while they may import at all). The page, its progress JSON and
    the API all come through here, so a stranger's id, a malformed one, a discarded upload and one
    of a ward the owner has since lost all answer the same 404.
    """
    from django.http import Http404

    from chonaikai.accounts import policy

    try:
        key = uuid.UUID(str(upload_id))
    except ValueError:
        raise Http404 from None
    upload = CountsUpload.objects.visible_to(user).select_related("ward").filter(pk=key).first()
    if upload is None:
        raise Http404
    wards = policy.wards_editable_by(user)
    if upload.ward_id is not None:
        wards = wards.filter(pk=upload.ward_id)
    if not wards.exists():
        raise Http404
    return upload
