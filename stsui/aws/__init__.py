"""The only layer that imports boto3/botocore. Import `stsui.aws.gateway` lazily: boto3 costs ~0.1 s."""
