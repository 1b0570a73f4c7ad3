resource "aws_cloudfront_distribution" "site" {
  enabled = true
  origin {
    domain_name = "site.s3.amazonaws.com"
    origin_id   = "s3"
    s3_origin_config {
      origin_access_identity = "origin-access-identity/cloudfront/E1"
    }
  }
  default_cache_behavior {
    target_origin_id       = "s3"
    viewer_protocol_policy = var.policy
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:1:certificate/x"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

variable "policy" {
  default = "redirect-to-https"
}
