"""The keys of the sections stsui writes: in the credentials file, and in `~/.aws/config` (`profiles sync`);
no imports: the prompt reads two of them."""

MARKER = "x_stsui_role"
ACCESS_KEY = "aws_access_key_id"
SECRET_KEY = "aws_secret_access_key"
SESSION_TOKEN = "aws_session_token"
LEGACY_TOKEN = "aws_security_token"  # botocore reads it before aws_session_token: a stale one would win
EXPIRES = "x_security_token_expires"  # RFC 3339, as saml2aws and okta-aws-cli write it
PRINCIPAL = "x_principal_arn"
REGION = "region"
CREDENTIAL_PROCESS = "credential_process"  # the config file's; MARKER and REGION there too
