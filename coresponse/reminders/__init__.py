"""Reminders: rules that find work coming due, delivered as in-app notifications and an
optional e-mail digest (`flask reminders run`)."""

from flask import Blueprint

bp = Blueprint("reminders", __name__, url_prefix="/notifications")
