"""Audio conversions for the phone line: G.711 mu-law, resampling and packet framing."""
