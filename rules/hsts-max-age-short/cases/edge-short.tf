resource "aws_cloudfront_response_headers_policy" "hsts" {
  name = "hsts"
  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 86400 # expect: hsts-max-age-short
      include_subdomains         = true
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled = true
  default_cache_behavior {
    target_origin_id           = "s3"
    viewer_protocol_policy     = "redirect-to-https"
    response_headers_policy_id = aws_cloudfront_response_headers_policy.hsts.id
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:1:certificate/x"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "cloudflare_zone_setting" "hsts" {
  zone_id    = "abc"
  setting_id = "security_header"
  value = {
    strict_transport_security = {
      enabled            = true
      max_age            = 2592000 # expect: hsts-max-age-short
      include_subdomains = true
    }
  }
}

resource "aws_lb" "web" {}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  routing_http_response_strict_transport_security_header_value = "max-age=3600" # expect: hsts-max-age-short
  default_action {
    type = "forward"
  }
}
