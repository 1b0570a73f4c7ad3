resource "aws_lb" "internal" {
  internal = true
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.internal.arn
  protocol          = "HTTP"
  default_action {
    type = "forward"
  }
}
