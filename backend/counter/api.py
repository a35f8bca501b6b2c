"""The counter's API for devices (token auth) and the counter page (session auth)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from counter.offline import (
    SYNC_BATCH_MAX,
    OfflineScan,
    offline_scans_record,
    offline_snapshot_take,
)
from counter.selectors import (
    counter_day,
    counter_get_for_user,
    household_received,
    vouchers_for_service,
)
from counter.serializers import (
    CounterDaySerializer,
    OfflineSyncRequestSerializer,
    OfflineSyncResultSerializer,
    ReceivedSerializer,
    ScanRequestSerializer,
    ServiceVouchersSerializer,
    UndoRequestSerializer,
    VerdictSerializer,
    VisitSerializer,
    scan_request_plain,
    verdict_data,
    visit_data,
)
from counter.services import UseRecorded, cents_of, visit_record, visit_undo
from network.access import Perm, organisations_with_perm
from network.api import UserLanguageApiView
from network.api_policy import api_user
from network.models import Organisation, User
from passes.selectors import household_get_for_user
from passes.services import household_file_opened


def counter_of_caller(user: User, service_id: int | None) -> Organisation:
    """The counter named (or the caller's only one); 404 for any other (also for the shop's API)."""
    service = counter_get_for_user(user=user, service_id=service_id)
    if service is not None:
        return service
    if service_id is None:
        raise exceptions.ValidationError(
            {"service": [_("Vous scannez pour plusieurs comptoirs : dites lequel.")]}
        )
    raise exceptions.NotFound()


def managed_service(user: User, service_id: int | None) -> Organisation:
    """The service the caller manages (the one named, or their only one); 404 otherwise."""
    services = list(
        organisations_with_perm(user, Perm.SERVICE_MANAGE).filter(kind=Organisation.Kind.SERVICE)
    )
    if service_id is None:
        if len(services) == 1:
            return services[0]
        if not services:
            raise exceptions.PermissionDenied(_("Seul un gestionnaire de service peut faire ceci."))
        raise exceptions.ValidationError(
            {"service": [_("Vous gérez plusieurs services : dites lequel.")]}
        )
    found = next((s for s in services if s.pk == service_id), None)
    if found is None:
        raise exceptions.NotFound()
    return found


def service_param(request: Request) -> int | None:
    """The optional `service` query parameter, as a number."""
    raw = request.query_params.get("service")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise exceptions.ValidationError(
            {"service": [_("Un numéro de service est attendu.")]}
        ) from None


class CounterScanApi(UserLanguageApiView):
    """Scan a card at a counter: the verdict, recorded once per idempotency key.

    A card that is unreadable, forged, or refused for any reason is still a
    `201` with `accepted: false`, one `reason` code and a `message`; a retried
    request with the same key answers `200` with the first verdict
    (`replayed: true`). Codes: see `counter.services`.
    """

    @extend_schema(
        request=ScanRequestSerializer,
        responses={201: VerdictSerializer, 200: VerdictSerializer},
        summary="Scan a card at a counter",
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        data = scan_request_plain(request.data)
        if data is None:
            scan = ScanRequestSerializer(data=request.data)
            scan.is_valid(raise_exception=True)
            data = scan.validated_data
        service = counter_of_caller(user, data.get("service"))
        verdict = visit_record(
            text=data["code"],
            service=service,
            user=user,
            idempotency_key=data["idempotency_key"],
            units=data["units"],
            use=UseRecorded(
                amount_cents=None if data["amount"] is None else cents_of(data["amount"]),
                reference=data["reference"],
            ),
        )
        return Response(
            verdict_data(verdict),
            status=status.HTTP_200_OK if verdict.replayed else status.HTTP_201_CREATED,
        )


class CounterVisitUndoApi(UserLanguageApiView):
    """Undo an accepted scan made by mistake, within a few minutes, with a reason."""

    @extend_schema(
        request=UndoRequestSerializer,
        responses=VisitSerializer,
        parameters=[OpenApiParameter("service", int, required=False)],
        summary="Undo an accepted scan",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        undo = UndoRequestSerializer(data=request.data)
        undo.is_valid(raise_exception=True)
        visit = visit_undo(
            visit_id=pk, service=service, user=user, reason=undo.validated_data["reason"]
        )
        return Response(visit_data(visit))


class CounterDayApi(UserLanguageApiView):
    """Today at the counter: accepted visits so far, and the caller's last scans."""

    @extend_schema(
        responses=CounterDaySerializer,
        parameters=[OpenApiParameter("service", int, required=False)],
        summary="Today's count and last scans",
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        day = counter_day(service=service, user=user, day=timezone.localdate())
        return Response(
            {
                "accepted_count": day["accepted_count"],
                "recent": [visit_data(v) for v in day["recent"]],
            }
        )


class ServiceVouchersApi(UserLanguageApiView):
    """Managers: the vouchers partners gave for the service in the last 90 days, by state,
    and the latest (partner, kind, what each covers, validity, use); no household names."""

    @extend_schema(
        responses=ServiceVouchersSerializer,
        parameters=[OpenApiParameter("service", int, required=False)],
        summary="The service's vouchers",
    )
    def get(self, request: Request) -> Response:
        service = managed_service(api_user(request), service_param(request))
        today = timezone.localdate()
        vouchers = vouchers_for_service(service, today)
        return Response(
            {
                "valid": vouchers.valid,
                "used": vouchers.used,
                "expired": vouchers.expired,
                "revoked": vouchers.revoked,
                "recent": [
                    {
                        "id": v.pk,
                        "kind": v.kind,
                        "partner": v.partner.name,
                        "covers": v.covers,
                        "issued_at": timezone.localtime(v.issued_at).isoformat(),
                        "valid_until": v.valid_until.isoformat(),
                        "state": v.state_on(today),
                        "used_at": timezone.localtime(v.used_at).isoformat() if v.used_at else None,
                    }
                    for v in vouchers.recent
                ],
            }
        )


class HouseholdReceivedApi(UserLanguageApiView):
    """Social workers: what one of their households received in the last 90 days, visit by
    visit, from every service (meals, parcels, sales, vouchers, uses). Another partner's
    household is a 404, as everywhere."""

    @extend_schema(responses=ReceivedSerializer(many=True), summary="What a household received")
    def get(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        household = household_get_for_user(user=user, household_id=pk)
        household_file_opened(actor=user, household=household)
        rows = household_received(household.pk, timezone.localdate())
        return Response(
            [
                {
                    "visit": visit.pk,
                    "at": timezone.localtime(visit.at).isoformat(),
                    "service": visit.service.name,
                    "received": words,
                }
                for visit, words in rows
            ]
        )


class CounterOfflineSnapshotApi(UserLanguageApiView):
    """The day's list a tablet keeps to decide without the network: per pass of this
    counter, its card version and state, and for a good pass the first name, the
    household's size, today's appointment and what its rules leave; today's sessions; the
    public keys; the refusal sentences in the caller's language. Audited. Not to be
    kept past the day (the counter page wipes it then, and at logout)."""

    @extend_schema(
        parameters=[OpenApiParameter("service", int, required=False)],
        responses={200: dict},
        summary="The counter's list for offline scans",
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        service = counter_of_caller(user, service_param(request))
        response = Response(offline_snapshot_take(service=service, user=user))
        response["Cache-Control"] = "no-store"
        return response


class CounterOfflineSyncApi(UserLanguageApiView):
    """Send the scans a tablet decided offline (at most 200 at once), oldest first.

    Each is recorded at its real moment, marked offline, once per idempotency key: a
    sync cut half-way is sent again whole. A scan the tablet accepted and the server's
    rules refuse (the same card served on another tablet) is recorded refused with
    `conflict: true`, for the manager. One result per scan, in the order sent:
    `recorded`, `replayed` or `rejected` (with its `message`).
    """

    @extend_schema(
        request=OfflineSyncRequestSerializer,
        responses={200: OfflineSyncResultSerializer(many=True)},
        summary="Send the scans decided offline",
    )
    def post(self, request: Request) -> Response:
        user = api_user(request)
        sync = OfflineSyncRequestSerializer(data=request.data)
        sync.is_valid(raise_exception=True)
        service = counter_of_caller(user, sync.validated_data.get("service"))
        scans = [OfflineScan(**scan) for scan in sync.validated_data["scans"][:SYNC_BATCH_MAX]]
        results = {
            result.idempotency_key: result
            for result in offline_scans_record(service=service, user=user, scans=scans)
        }
        body = []
        for scan in scans:
            result = results[scan.idempotency_key]
            verdict = result.verdict
            body.append(
                {
                    "idempotency_key": scan.idempotency_key,
                    "status": result.status,
                    "accepted": verdict.accepted if verdict else None,
                    "reason": verdict.reason if verdict else "",
                    "conflict": bool(verdict and verdict.visit.offline_conflict),
                    "message": verdict.message if verdict else result.message,
                    "visit": verdict.visit.pk if verdict else None,
                }
            )
        return Response(body)
