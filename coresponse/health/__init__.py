"""`/healthz`: a load balancer's check that this instance can reach its database."""

from flask import Blueprint

bp = Blueprint("health", __name__)
