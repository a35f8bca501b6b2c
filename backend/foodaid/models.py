# Models arrive with the features of this app.
