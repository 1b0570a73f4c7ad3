resource "aws_cloudfront_response_headers_policy" "hsts" {
  name = "hsts"
  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      override                   = true
    }
  }
}

resource "cloudflare_zone_settings_override" "z" {
  zone_id = "abc"
  settings {
    security_header {
      enabled = false
      max_age = 0
    }
  }
}
