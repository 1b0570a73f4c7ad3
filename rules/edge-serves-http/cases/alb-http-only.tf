# An internet-facing ALB with no HTTPS listener: whatever the app does, the site is http only.
resource "aws_lb" "web" {}
resource "aws_lb_listener" "app" {
  load_balancer_arn = aws_lb.web.arn
  port              = 8000
  protocol          = "HTTP"
  default_action {
    type             = "forward" # expect: edge-serves-http
    target_group_arn = aws_lb_target_group.app.arn
  }
}
