"""AWS partitions (stdlib only): which partition a region is in, and the domain names AWS serves it from.

Both follow botocore's `partitions.json` (a differential test checks every region and DNS suffix botocore
knows); a region no pattern matches is in `aws`, as botocore resolves it.
"""

from __future__ import annotations

import re

_REGION_PATTERNS = (
    ("aws", re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+", re.ASCII)),
    ("aws-cn", re.compile(r"cn-\w+-\d+", re.ASCII)),
    ("aws-eusc", re.compile(r"eusc-de-\w+-\d+", re.ASCII)),
    ("aws-iso", re.compile(r"us-iso-\w+-\d+", re.ASCII)),
    ("aws-iso-b", re.compile(r"us-isob-\w+-\d+", re.ASCII)),
    ("aws-iso-e", re.compile(r"eu-isoe-\w+-\d+", re.ASCII)),
    ("aws-iso-f", re.compile(r"us-isof-\w+-\d+", re.ASCII)),
    ("aws-us-gov", re.compile(r"us-gov-\w+-\d+", re.ASCII)),
)
"""botocore's `regionRegex` of each partition (`\\w` does not match '-', so no two overlap)."""

_PORTAL_DOMAINS = {
    "aws": ("awsapps.com", "aws"),
    "aws-us-gov": ("awsapps.com", "aws"),
    "aws-cn": ("awsapps.cn",),
}
"""Where IAM Identity Center's access portal lives besides the service endpoints: `<id>.awsapps.com/start`,
`ssoins-<id>.portal.<region>.app.aws` (the `.aws` top-level domain is Amazon's own), `<id>.awsapps.cn`."""

AWS_DOMAINS = {
    "aws": ("amazonaws.com", "api.aws", *_PORTAL_DOMAINS["aws"]),
    "aws-cn": ("amazonaws.com.cn", "api.amazonwebservices.com.cn", *_PORTAL_DOMAINS["aws-cn"]),
    "aws-eusc": ("amazonaws.eu", "api.amazonwebservices.eu"),
    "aws-iso": ("c2s.ic.gov", "api.aws.ic.gov"),
    "aws-iso-b": ("sc2s.sgov.gov", "api.aws.scloud"),
    "aws-iso-e": ("cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    "aws-iso-f": ("csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    "aws-us-gov": ("amazonaws.com", "api.aws", *_PORTAL_DOMAINS["aws-us-gov"]),
}
"""Each partition's domains: botocore's `dnsSuffix` and `dualStackDnsSuffix`, then the portal's. A host is
AWS's in the partition when it is one of these or a subdomain of one."""


def partition_of_region(region: str) -> str:
    """The partition a region name belongs to (`cn-north-1` → aws-cn, `us-gov-west-1` → aws-us-gov)."""
    for name, pattern in _REGION_PATTERNS:
        if pattern.fullmatch(region):
            return name
    return "aws"
