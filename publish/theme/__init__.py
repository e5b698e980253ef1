"""Stage 3, theme: the theme folder (stylesheets per medium, fonts, words), the Jinja environment, template contexts."""
