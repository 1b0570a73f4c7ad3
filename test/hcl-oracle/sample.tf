resource "aws_cloudfront_distribution" "site_0" {
  enabled             = true
  is_ipv6_enabled     = true
  comment             = "Site 0 (${var.environment})"
  default_root_object = "index.html"
  aliases             = [var.domain_name, "www.${var.domain_name}"]
  price_class         = var.environment == "prod" ? "PriceClass_All" : "PriceClass_100"

  origin {
    domain_name = aws_lb.app_0.dns_name
    origin_id   = "alb-0"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }

    custom_header {
      name  = "X-Origin-Verify"
      value = random_password.origin_secret.result
    }
  }

  dynamic "origin" {
    for_each = var.extra_origins
    content {
      domain_name = origin.value.domain
      origin_id   = origin.key
      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = lookup(origin.value, "protocol", "https-only")
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "alb-0"
    viewer_protocol_policy = "redirect-to-https"
    compress               = true
    min_ttl                = 0
    default_ttl            = 3600
    max_ttl                = 86400

    forwarded_values {
      query_string = true
      headers      = ["Host", "Origin", "Authorization"]
      cookies {
        forward = "all"
      }
    }
  }

  ordered_cache_behavior {
    path_pattern           = "/static/*"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "alb-0"
    viewer_protocol_policy = "https-only"
    response_headers_policy_id = aws_cloudfront_response_headers_policy.hsts.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate.cert.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = merge(local.common_tags, {
    Name = "cdn-0"
  })
}

resource "aws_lb" "app_0" {
  name               = "${local.name_prefix}-alb-0"
  internal           = false
  load_balancer_type = "application"
  security_groups    = [aws_security_group.alb.id]
  subnets            = module.vpc.public_subnets

  enable_deletion_protection = var.environment == "prod"

  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb-0"
    enabled = true
  }
}

resource "aws_lb_listener" "https_0" {
  load_balancer_arn = aws_lb.app_0.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.cert.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app[0].arn
  }
}

resource "aws_lb_listener" "http_0" {
  load_balancer_arn = aws_lb.app_0.arn
  port              = "80"
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_iam_role_policy" "task_0" {
  name = "task-policy-0"
  role = aws_iam_role.task.id

  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["s3:GetObject", "s3:PutObject"],
          "Resource": "${aws_s3_bucket.assets.arn}/*"
        },
        {
          "Effect": "Allow",
          "Action": "kms:Decrypt",
          "Resource": "${aws_kms_key.main.arn}"
        }
      ]
    }
  EOF
}

resource "aws_s3_bucket_policy" "assets_0" {
  bucket = aws_s3_bucket.assets.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowCloudFront"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.assets.arn}/*"
        Condition = {
          StringEquals = {
            "AWS:SourceArn" = aws_cloudfront_distribution.site_0.arn
          }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.assets.arn, "${aws_s3_bucket.assets.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

variable "ingress_ports_0" {
  description = "Ports the load balancer accepts"
  type        = list(number)
  default     = [80, 443]
}

locals {
  name_prefix_0 = "${var.project}-${var.environment}"
  common_tags_0 = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  }
  subnet_ids_0 = [for s in data.aws_subnet.private : s.id if s.map_public_ip_on_launch == false]
  ports_by_name_0 = { for p in var.ingress_ports_0 : tostring(p) => p }
  azs_0 = slice(data.aws_availability_zones.available.names, 0, min(3, length(data.aws_availability_zones.available.names)))
}

resource "aws_security_group" "alb_0" {
  name_prefix = "alb-0-"
  vpc_id      = module.vpc.vpc_id

  dynamic "ingress" {
    for_each = var.ingress_ports_0
    iterator = port
    content {
      from_port   = port.value
      to_port     = port.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
      description = "Allow ${port.value == 443 ? "HTTPS" : "HTTP"} from anywhere"
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_instance" "web_0" {
  count         = var.instance_count
  ami           = data.aws_ami.ubuntu.id
  instance_type = count.index == 0 ? "t3.medium" : "t3.small"
  subnet_id     = element(module.vpc.private_subnets, count.index)

  user_data = <<EOT
#!/bin/bash
set -euo pipefail
echo "instance ${count.index}" > /etc/motd
%{ for k, v in var.env_vars ~}
echo "export ${k}=${v}" >> /etc/profile.d/app.sh
%{ endfor ~}
systemctl restart nginx
EOT

  root_block_device {
    volume_size = 20
    encrypted   = true
  }

  tags = {
    Name = "web-${count.index}"
  }
}

output "web_0_ips" {
  value       = aws_instance.web_0[*].private_ip
  description = "Private IPs"
}

output "web_0_first" {
  value = aws_instance.web_0.0.id
  sensitive = false
}

module "cdn_0" {
  source  = "terraform-aws-modules/cloudfront/aws"
  version = "~> 3.2"
  for_each = toset(["a", "b"])
  name     = "cdn-${each.key}"
  origins  = { for name, o in var.origins : name => merge(o, { enabled = true }) if o.enabled }
  grouped  = { for o in var.origins : o.region => o.name... }
}
