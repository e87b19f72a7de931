"""Cards and Task-menu entries this app adds to the person page (see contacts.person_page)."""
