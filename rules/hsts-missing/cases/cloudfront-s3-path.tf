# The default behaviour adds HSTS; /downloads/* serves the same bucket without it.
resource "aws_cloudfront_response_headers_policy" "hsts" {
  name = "hsts"
  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled = true
  origin {
    domain_name              = "site.s3.amazonaws.com"
    origin_id                = "bucket"
    origin_access_control_id = "E2OAC"
  }
  default_cache_behavior {
    target_origin_id           = "bucket"
    viewer_protocol_policy     = "redirect-to-https"
    response_headers_policy_id = aws_cloudfront_response_headers_policy.hsts.id
  }
  ordered_cache_behavior { # expect: hsts-missing
    path_pattern           = "/downloads/*"
    target_origin_id       = "bucket"
    viewer_protocol_policy = "redirect-to-https"
  }
}
