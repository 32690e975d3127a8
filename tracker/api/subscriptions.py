"""`/api/v1/subscriptions/`: a signed-in account's webhooks — its subscriptions, their signing
secrets and their delivery log (README "Subscriptions").

Owner-scoped: each account sees and changes its own subscriptions only (another's is a 404, as if
it did not exist). Never served from the response cache, which is shared by visibility class.
"""

from datetime import timedelta

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker.api import filtersets
from tracker.api.filter_backends import GLOBAL_PARAMS, PAGE_PARAMS, known_params, param_errors
from tracker.api.idempotency import IdempotentCreateMixin
from tracker.api.mixins import TrashMixin, VersionedWritesMixin
from tracker.api.permissions import OwnSubscriptions
from tracker.api.renderers import FastJSONRenderer, RawFormBrowsableAPIRenderer
from tracker.api.schema import ConflictSerializer
from tracker.models import Delivery, Subscription
from tracker.representation import serializers
from tracker.services import subscriptions, webhook_delivery
from tracker.services.common import Writes

DELIVERY_ID = r"(?P<delivery_id>[0-9]{1,18})"


@extend_schema_view(
    list=extend_schema(summary="List your subscriptions"),
    retrieve=extend_schema(summary="Get a subscription"),
    create=extend_schema(
        summary="Subscribe",
        description="A new subscription of the signed-in account. The answer carries its signing secret (`secret`), "
        "shown this once. `filter` is a query string of /api/v1/incidents/: an unknown or bad parameter is a 400 naming it.",
    ),
    destroy=extend_schema(summary="Delete a subscription (to the trash: restorable)"),
)
class SubscriptionViewSet(IdempotentCreateMixin, VersionedWritesMixin, TrashMixin, viewsets.ModelViewSet):
    """Webhooks: what a service wants to be told about incidents, and where."""

    queryset = Subscription.objects.select_related("owner")
    serializer_class = serializers.SubscriptionSerializer
    filterset_class = filtersets.SubscriptionFilterSet
    permission_classes = [OwnSubscriptions]
    renderer_classes = [FastJSONRenderer, RawFormBrowsableAPIRenderer]
    writes: Writes = subscriptions.SUBSCRIPTIONS
    # The trash keeps a deleted subscription restorable with its secrets and log; removing one
    # for good is the admin's (a superuser's), as for every trashed record outside the role grants.
    purge = None

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)

    def perform_create(self, serializer):
        data = {**serializer.validated_data, "owner": self.request.user}
        serializer.instance = self.writes.create(data=data, user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = self.writes.update_instance(
            serializer.instance, data=serializer.validated_data, user=self.request.user, expected_version=self.expected_version
        )

    def perform_destroy(self, instance):
        self.writes.delete_instance(instance, user=self.request.user, expected_version=self.expected_version)

    @extend_schema(
        summary="Rotate the signing secret",
        description="Issues a new secret (in the answer, shown this once). The secrets in force keep signing beside it "
        "until `previous_expire_at`, so a receiver can switch without rejecting a delivery. If-Match is optional here.",
        request=serializers.RotateSecretSerializer,
        responses={200: serializers.RotatedSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", filter_backends=[])
    def rotate_secret(self, request, pk=None):
        subscription = self.get_object()
        query = serializers.RotateSecretSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        hours = query.validated_data.get("overlap_hours")
        rotated = subscriptions.rotate_secret(
            subscription=subscription,
            user=request.user,
            overlap=None if hours is None else timedelta(hours=hours),
        )
        return Response(serializers.RotatedSecretSerializer(rotated._asdict()).data)

    @extend_schema(
        summary="Its delivery log",
        description="Every delivery of the subscription, newest first: event, state, attempts, the receiver's last "
        "status, latency and the first bytes of its answer.",
        parameters=[
            OpenApiParameter(name, description=f.extra.get("help_text", ""))
            for name, f in filtersets.DeliveryFilterSet.base_filters.items()
        ],
        responses={200: serializers.DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        errors = param_errors(request.query_params, GLOBAL_PARAMS | PAGE_PARAMS | known_params(filtersets.DeliveryFilterSet))
        if errors:
            raise ValidationError(errors)
        log = Delivery.objects.filter(subscription=subscription).order_by("-created_at", "-id")
        filterset = filtersets.DeliveryFilterSet(request.query_params, queryset=log, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(serializers.DeliverySerializer(page, many=True).data)

    def _delivery(self, pk, delivery_id) -> Delivery:
        subscription = self.get_object()
        return get_object_or_404(Delivery.objects.select_related("subscription"), subscription=subscription, pk=delivery_id)

    @extend_schema(
        summary="One delivery, with its body",
        parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
        responses={200: serializers.DeliveryDetailSerializer},
    )
    @action(detail=True, methods=["get"], url_path=f"deliveries/{DELIVERY_ID}", filter_backends=[])
    def delivery(self, request, pk=None, delivery_id=None):
        return Response(serializers.DeliveryDetailSerializer(self._delivery(pk, delivery_id)).data)

    @extend_schema(
        summary="Redeliver",
        description="Sends the delivery again, with the same webhook-id (a receiver that had it can tell), on the task "
        "queue: the answer is 202 and the log shows the attempt. A paused subscription is resumed first (409).",
        request=None,
        parameters=[OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
        responses={202: serializers.DeliverySerializer, 409: OpenApiResponse(ConflictSerializer, description="Paused.")},
    )
    @action(detail=True, methods=["post"], url_path=f"deliveries/{DELIVERY_ID}/redeliver", filter_backends=[])
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = self._delivery(pk, delivery_id)
        if not delivery.subscription.active:
            return Response(
                {
                    "detail": f"The subscription is paused ({delivery.subscription.paused_reason or 'by its owner'}): resume it first."
                },
                status=status.HTTP_409_CONFLICT,
            )
        delivery = webhook_delivery.redeliver(delivery)
        return Response(serializers.DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
