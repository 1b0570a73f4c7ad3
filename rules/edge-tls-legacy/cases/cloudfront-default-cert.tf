resource "aws_cloudfront_distribution" "a" {
  enabled = true
  default_cache_behavior {
    target_origin_id       = "s3"
    viewer_protocol_policy = "redirect-to-https"
  }
  viewer_certificate {
    cloudfront_default_certificate = true # expect: edge-tls-legacy
    minimum_protocol_version       = "TLSv1.2_2021"
  }
}

resource "aws_cloudfront_distribution" "b" {
  enabled = true
  default_cache_behavior {
    target_origin_id       = "s3"
    viewer_protocol_policy = "redirect-to-https"
  }
  viewer_certificate { # expect: edge-tls-legacy
    acm_certificate_arn = "arn:aws:acm:us-east-1:1:certificate/x"
    ssl_support_method  = "sni-only"
  }
}

resource "aws_cloudfront_distribution" "c" {
  enabled = true
  origin {
    domain_name = "origin.example.com"
    origin_id   = "o"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1", "TLSv1.2"] # expect: edge-tls-legacy
    }
  }
  default_cache_behavior {
    target_origin_id       = "o"
    viewer_protocol_policy = "redirect-to-https"
  }
  viewer_certificate {
    acm_certificate_arn      = "arn:aws:acm:us-east-1:1:certificate/x"
    minimum_protocol_version = "TLSv1.1_2016" # expect: edge-tls-legacy
  }
}
