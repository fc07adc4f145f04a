.PHONY: help setup train run serve prod telegram test validate load stats evaluate try-booking
help:            ## list the commands
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'
setup:           ## build .venv with Python 3.10 and install pinned dependencies
	scripts/setup.sh
train: setup     ## train the model if config, domain or data changed
	scripts/train.sh
run:             ## set up, train, load knowledge, chat with the bot in this terminal
	scripts/run.sh
serve: train     ## action server + Rasa server with the REST channel on :5005
	.venv/bin/qn-staff load && scripts/serve.sh
prod: train      ## replicas behind nginx on PostgreSQL, Redis and RabbitMQ (see README, Running it as a service)
	scripts/prod.sh
telegram: setup  ## Telegram bridge to the running bot (needs TELEGRAM_BOT_TOKEN; see README, Channels)
	.venv/bin/python -m bot.channels.telegram
test:            ## every test (set-up and training included)
	scripts/test.sh
validate: setup  ## check the knowledge files (staff)
	.venv/bin/qn-staff validate
load: setup      ## load the knowledge files into the database (staff)
	.venv/bin/qn-staff load
try-booking: setup  ## open booking on your local bot with a schedule you type in (marked as a trial in the chat)
	.venv/bin/qn-staff try-booking
stats: setup     ## what the database holds (staff)
	.venv/bin/qn-staff stats
evaluate: train  ## intent accuracy and entity F1 on both held-out sets, by style and topic, with every miss
	.venv/bin/python -m bot.nlu.evaluation --errors
