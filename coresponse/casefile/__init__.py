"""The case file: a case's page and printout, with its contacts and connections.

It sits above the cases, contacts and linkages domains because it shows all three;
those domains' own pages (logging a contact on a case, a connection's page) only look
down at the case they belong to. The addresses stay under /cases/.
"""

from flask import Blueprint

bp = Blueprint("casefile", __name__, url_prefix="/cases")
