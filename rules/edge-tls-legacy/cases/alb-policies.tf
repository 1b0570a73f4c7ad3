resource "aws_lb" "web" {}

resource "aws_lb_listener" "default_policy" { # expect: edge-tls-legacy
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  default_action {
    type = "forward"
  }
}

resource "aws_lb_listener" "tls11" {
  load_balancer_arn = aws_lb.web.arn
  port              = 8443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-1-2021-06" # expect: edge-tls-legacy
  default_action {
    type = "forward"
  }
}

resource "aws_lb_listener" "modern" {
  load_balancer_arn = aws_lb.web.arn
  port              = 9443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
  default_action {
    type = "forward"
  }
}
