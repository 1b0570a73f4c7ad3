resource "cloudflare_zone_settings_override" "z" {
  zone_id = "abc"
  settings {
    min_tls_version = "1.1" # expect: edge-tls-legacy
  }
}

resource "cloudflare_zone_settings_override" "unwritten" {
  zone_id = "def"
  settings {
    ssl = "strict"
  }
}
