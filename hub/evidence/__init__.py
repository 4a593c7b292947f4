"""The hub's view of a job's evidence bundle: is every part here, intact, and signed by the kit?"""

from hub.evidence.check import BundleCheck, EvidenceLookup, Mismatch, check_bundle

__all__ = ["BundleCheck", "EvidenceLookup", "Mismatch", "check_bundle"]
