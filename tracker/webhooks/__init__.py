"""Subscriptions' push interface: incident events matched to subscriptions and turned into
signed deliveries (README "Subscriptions").

An interface like the API and the admin, built on the API's own pieces — a subscription's
filter is read by the incident list's filterset, and a delivery carries the incident as the
API's detail serializes it for the subscription's owner — so what a subscriber is told is what
it would read. The write side records events (tracker/services/outbox.py); the network side
(signing, sending, retries) is tracker/services/webhook_delivery.py.
"""
