resource "aws_cloudfront_distribution" "a" {
  enabled = true
  origin {
    domain_name = "origin.example.com"
    origin_id   = "o"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "o"
    viewer_protocol_policy = "redirect-to-https"
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:1:certificate/x"
    minimum_protocol_version = "TLSv1.2_2025"
  }
}
